package dev.opcached.protocol.segment;

import java.nio.file.Path;

/**
 * The segment's file was truncated under this process: its mapping no longer has pages behind it,
 * and every access faults (the JVM reports such a fault on a mapped file as an
 * {@code InternalError}, "a fault occurred in an unsafe memory access"). Every {@link Segment}
 * and {@link SegmentReader} operation throws this instead. Nothing can be read or written through
 * this mapping again: close it; the supervisor creates a new segment ({@link RestartReason#LOST})
 * and the workers attach to that one. A deleted file does not fault (the mapping keeps it), so
 * {@link Segment#intact()} is how the supervisor notices that.
 */
public final class SegmentLostException extends SegmentException {
    private static final long serialVersionUID = 1L;

    private final transient Path path;

    SegmentLostException(Path path, Throwable fault) {
        super("segment " + path + " is lost: its file was truncated or replaced under this process (" + fault
                + "); the supervisor must create a new segment", fault);
        this.path = path;
    }

    public Path path() {
        return path;
    }

    /** Whether {@code error} is the JVM's report of a fault on a mapped file. */
    static boolean isMappingFault(InternalError error) {
        String message = error.getMessage();
        return message != null && message.contains("unsafe memory access");
    }
}
