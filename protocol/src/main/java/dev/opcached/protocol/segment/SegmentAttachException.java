package dev.opcached.protocol.segment;

import java.nio.file.Path;

/** A segment file could not be attached; {@link #failure()} says why, the message names the path. */
public final class SegmentAttachException extends SegmentException {
    private static final long serialVersionUID = 1L;

    /** Why an attach failed. */
    public enum Failure {
        /** No file at the path. */
        MISSING,
        /** Shorter than its header, or not the length its header states. */
        TRUNCATED,
        /** Not an opcached segment. */
        BAD_MAGIC,
        /** A segment of another layout version. */
        BAD_VERSION,
        /** The version field stayed zero: the creator never finished writing the header. */
        NOT_INITIALISED,
        /** Header fields that contradict each other or the file. */
        CORRUPT_HEADER,
        /** Readable or writable by group or others: anyone could read or poison the cache. */
        INSECURE_PERMISSIONS,
        /** The supervisor that created the segment has exited. */
        CREATOR_DEAD,
        /** The activity file beside it is not this segment's (another segment's id, another layout, not one at all). */
        FOREIGN_ACTIVITY,
        /** The file exists but could not be opened or mapped. */
        IO_ERROR
    }

    private final transient Path path;
    private final Failure failure;

    public SegmentAttachException(Path path, Failure failure, String reason) {
        this(path, failure, reason, null);
    }

    public SegmentAttachException(Path path, Failure failure, String reason, Throwable cause) {
        super("cannot attach segment " + path + ": " + reason + " [" + failure + "]", cause);
        this.path = path;
        this.failure = failure;
    }

    public Path path() {
        return path;
    }

    public Failure failure() {
        return failure;
    }
}
