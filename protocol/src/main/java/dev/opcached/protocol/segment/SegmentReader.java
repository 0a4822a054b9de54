package dev.opcached.protocol.segment;

import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.List;
import net.openhft.chronicle.bytes.BytesStore;

/**
 * The lock-free reads of a segment (§14): find an entry, copy its payload out, check it is still
 * current, and read statistics, scripts and a verification. Writes nothing, so it is all an
 * observer gets: {@link Segment#openReadOnly} maps the file read-only and returns this type, which
 * has no method that could write (hits, misses and restart requests are counted by
 * {@link Segment}, which reads through one of these).
 *
 * <p>Reads never take a lock and never wait: they validate every offset against this process's
 * copy of the geometry, and re-check the generation after reading, so that they return a whole
 * entry of the current generation or a miss. A read of a truncated file throws
 * {@link SegmentLostException}. Instances are thread-safe; after a close they answer as
 * {@link Segment}'s do.
 */
public final class SegmentReader implements AutoCloseable {
    /** Returned by {@link #readEntry} when the slot holds another key with the same hash. */
    private static final CachedEntry COLLISION = new CachedEntry(null, null, 0, 0, 0, 0, 0, 0, null);

    private final SegmentFile file;
    private final BytesStore<?, ?> bytes;
    private final SegmentGeometry geometry;
    private final IndexProbe index;
    private final RestartRequests restarts;
    private final StatisticsReader statistics;

    SegmentReader(SegmentFile file, RestartRequests restarts, EpochClock clock) {
        this.file = file;
        this.bytes = file.bytes();
        this.geometry = file.geometry();
        this.index = new IndexProbe(bytes, geometry);
        this.restarts = restarts;
        this.statistics = new StatisticsReader(file, this, clock);
    }

    /** Maps a segment read-only; see {@link Segment#openReadOnly}. */
    static SegmentReader open(Path path) {
        return new SegmentReader(SegmentFile.openReadOnly(path), RestartRequests.NONE, EpochClock.SYSTEM);
    }

    public Path path() {
        return file.path();
    }

    /** Whole size of the segment: opcache.memory_consumption. */
    public long memoryConsumption() {
        return geometry.segmentLength();
    }

    public int maxCachedKeys() {
        return geometry.maxKeys();
    }

    /** Whether the file at the path is still the mapped file (see {@link Segment#intact()}). */
    public boolean intact() {
        return file.intact();
    }

    /**
     * The key's current entry, counting nothing.
     *
     * @return the entry, or null for a miss; throws nothing for anything the segment holds, and
     *         {@link SegmentLostException} when the file was truncated
     */
    public CachedEntry peek(SegmentKey key) {
        return file.lockFree(() -> find(key), null);
    }

    /** The figures behind opcache_get_status(), read without the lock; see {@link SegmentStatistics} for unknown figures. */
    public SegmentStatistics statistics() {
        return file.guard(statistics::statistics);
    }

    /** The current generation (every reset and restart moves it on), read without the lock; 0 once closed. */
    public long generation() {
        if (file.closed()) {
            return 0;
        }
        return file.guard(() -> HeaderLayout.generationVolatile(bytes));
    }

    /** The last restarts of this segment, oldest first (its restart log, read without the lock). */
    public List<RestartRecord> restartLog() {
        if (file.closed()) {
            return List.of();
        }
        return file.guard(statistics::restartLog);
    }

    /**
     * The cached scripts of the current generation (opcache_get_status()['scripts']), read without
     * the lock; an entry recycled while it is read is left out.
     */
    public List<ScriptStatistics> scripts() {
        if (file.closed()) {
            return List.of();
        }
        return file.guard(statistics::scripts);
    }

    /**
     * Scans the current generation and checks every invariant that can be checked: each entry
     * verifies (checksum included), the counters match a recount, and nothing lies past the top.
     * Meant for tests and for diagnosing a pool. Results are exact only while no writer runs.
     */
    public SegmentVerification verify() {
        return file.guard(() -> new SegmentScan(file).verify());
    }

    /** How many times the pool's realpath caches were cleared; workers compare it on each request. */
    public long statGeneration() {
        // Written out rather than through lockFree: a worker reads it on every request.
        if (file.closed()) {
            return 0;
        }
        file.checkNotLost();
        try {
            return HeaderLayout.statGenerationVolatile(bytes);
        } catch (InternalError e) {
            throw file.translateFault(e);
        }
    }

    /** Stops every further use (see {@link Segment#close()}); later calls do nothing. */
    @Override
    public void close() throws IOException {
        file.close();
    }

    @Override
    public String toString() {
        return "SegmentReader[" + file + "]";
    }

    // ---------------------------------------------------------------------------------------------
    // for Segment and CachedEntry (callers translate InternalError)

    IndexProbe index() {
        return index;
    }

    boolean closed() {
        return file.closed();
    }

    /** §14.1: the key's current entry, or null. */
    CachedEntry find(SegmentKey key) {
        long generation = 0;
        try {
            if (!HeaderLayout.identityIntact(bytes)) {
                restarts.request(RestartReason.CORRUPTION, "bad magic or version in the header");
                return null;
            }
            generation = HeaderLayout.generationVolatile(bytes);
            if ((int) generation == 0) {
                // Would make every never-written slot look claimed: only damage produces it.
                restarts.request(RestartReason.CORRUPTION, "generation " + generation + " is never used");
                return null;
            }
            long hash = key.hash();
            for (long slot = index.next(hash, generation, IndexProbe.START); slot >= 0;
                 slot = index.next(hash, generation, slot)) {
                long ref = SlotLayout.refVolatile(bytes, slot);
                // The hash again after REF: a slot released since the walk saw it may hold another
                // key's entry now, which is not damage.
                if (SlotLayout.holdsEntry(ref, generation) && SlotLayout.keyHash(bytes, slot) == hash) {
                    CachedEntry entry = readEntry(key, generation, slot, ref, SlotLayout.entryOffset(ref));
                    if (entry != COLLISION) {
                        return entry;
                    }
                }
            }
            return null;
        } catch (RuntimeException e) {
            // Unreachable while the checks above hold; kept so that no lookup ever throws.
            if (!file.closed()) {
                damaged(generation, "unexpected " + e);
            }
            return null;
        }
    }

    /**
     * Reads and validates the entry a slot points at.
     *
     * @return the entry; {@link #COLLISION} when it is another key's; null when it is stale or damaged
     */
    private CachedEntry readEntry(SegmentKey key, long generation, long slot, long ref, int offset) {
        if (!geometry.entryHeaderInArena(offset)) {
            return damaged(generation, "entry offset " + offset + " outside the arena");
        }
        if (EntryLayout.magic(bytes, offset) != EntryLayout.MAGIC_VALUE
                || EntryLayout.generation(bytes, offset) != generation
                || EntryLayout.keyHash(bytes, offset) != key.hash()) {
            return damaged(generation, "entry at " + offset + " has a bad magic, generation or hash");
        }
        int length = EntryLayout.length(bytes, offset);
        int keyLength = EntryLayout.keyLength(bytes, offset);
        int payloadLength = EntryLayout.payloadLength(bytes, offset);
        if (keyLength < 1 || keyLength > SegmentKey.MAX_LENGTH || payloadLength < 0
                || length != EntryLayout.entryLength(keyLength, payloadLength)
                || offset + (long) length > geometry.segmentLength()) {
            return damaged(generation, "entry at " + offset + " has lengths out of range");
        }
        if (keyLength != key.utf8().length || !EntryLayout.keyEquals(bytes, offset, key)) {
            return generationStill(generation) ? COLLISION : null;
        }
        EntryMetadata metadata = EntryLayout.metadata(bytes, offset);
        if (!generationStill(generation)) {
            return null;
        }
        return new CachedEntry(this, key, generation, slot, ref, offset, length, payloadLength, metadata);
    }

    /** The seqlock check: after reading an entry, has a restart begun to recycle the arena? */
    boolean generationStill(long generation) {
        // Keeps the reads above from moving below the generation read.
        VarHandle.acquireFence();
        return HeaderLayout.generationVolatile(bytes) == generation;
    }

    private CachedEntry damaged(long generation, String what) {
        if (generationStill(generation)) {
            restarts.request(RestartReason.CORRUPTION, what);
        }
        return null;
    }

    /** §14.3: whether the entry is still its key's entry in the current generation. */
    boolean isCurrent(CachedEntry entry) {
        return HeaderLayout.generationVolatile(bytes) == entry.generation()
                && SlotLayout.refVolatile(bytes, entry.slotOffset()) == entry.ref();
    }

    /** §14.2: the payload, checksum verified, or null when recycled meanwhile or damaged. */
    byte[] copyPayload(CachedEntry entry) {
        // The hot path: SegmentFile#lockFree written out, so that a request makes no lambda.
        if (file.closed()) {
            return null;
        }
        file.checkNotLost();
        try {
            int offset = entry.entryOffset();
            int payloadAt = offset + EntryLayout.HEADER_LENGTH + entry.key().utf8().length;
            byte[] payload = new byte[entry.payloadLength()];
            bytes.read(payloadAt, payload, 0, payload.length);
            int actual = EntryLayout.computeChecksum(bytes, offset, payloadAt, payload);
            int expected = EntryLayout.checksum(bytes, offset);
            if (!generationStill(entry.generation())) {
                return null;
            }
            if (actual != expected) {
                restarts.request(RestartReason.CORRUPTION, "checksum mismatch in the entry of " + entry.key());
                return null;
            }
            return payload;
        } catch (InternalError e) {
            throw file.translateFault(e);
        }
    }
}
