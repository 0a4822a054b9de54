package dev.opcached.protocol.segment;

import java.nio.file.Path;

/**
 * The segment's file was truncated under this process: its mapping no longer has pages behind it,
 * and every access faults (the JVM reports such a fault on a mapped file as an
 * {@code InternalError}, "a fault occurred in an unsafe memory access"). {@link Segment} and
 * {@link SegmentReader} operations throw this instead: those off the hot path check the file's
 * length first, every operation translates a fault it meets, and once either happened every
 * later operation throws this at once, without touching the mapping. Nothing can be read or written through
 * this mapping again: close it; the supervisor creates a new segment ({@link RestartReason#LOST})
 * and the workers attach to that one. A deleted file does not fault (the mapping keeps it), so
 * {@link Segment#intact()} is how the supervisor notices that.
 */
public final class SegmentLostException extends SegmentException {
    private static final long serialVersionUID = 1L;

    private final transient Path path;

    SegmentLostException(Path path, Throwable fault) {
        super(message(path, fault.toString()), fault);
        this.path = path;
    }

    SegmentLostException(Path path, String why) {
        super(message(path, why));
        this.path = path;
    }

    private static String message(Path path, String why) {
        return "segment " + path + " is lost: its file was truncated under this process (" + why
                + "); close it, the supervisor creates a new segment";
    }

    public Path path() {
        return path;
    }

    /**
     * Whether {@code error} is the JVM's report of a fault on a mapped file. A fault in JIT-compiled
     * code is reported asynchronously ("... in a recent unsafe memory access operation in compiled
     * Java code"), possibly after the segment call that faulted has returned: a caller's last-resort
     * handler uses this to treat such an error as a lost segment too.
     */
    public static boolean isMappingFault(Throwable error) {
        String message = error.getMessage();
        return error instanceof InternalError && message != null && message.contains("unsafe memory access");
    }
}
