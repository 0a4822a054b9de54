package dev.opcached.protocol.segment;

/**
 * What a process may do with a segment it maps, by its role in the pool. Only a {@link #WRITER}
 * maps the segment file (header, index, entries) read-write; a {@link #READER} maps it read-only
 * and writes only the activity file, so that no code it runs can change what the pool has cached.
 */
public enum SegmentAccess {
    /** The supervisor and the compiler: both files read-write; may take the write lock. */
    WRITER,
    /** A worker: the segment file read-only, the activity file (counters, usage, claims) read-write. */
    READER,
    /** A tool: both files read-only; writes nothing at all. */
    OBSERVER;

    boolean writesEntries() {
        return this == WRITER;
    }

    boolean writesActivity() {
        return this != OBSERVER;
    }
}
