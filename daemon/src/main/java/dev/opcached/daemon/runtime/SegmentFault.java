package dev.opcached.daemon.runtime;

/**
 * Recognises the failure of a segment operation whose file was truncated or removed under this
 * process: the JVM turns the bus error of a mapped page that no longer exists into an
 * {@link InternalError} ("unsafe memory access operation"), thrown by whatever read the mapping.
 */
public final class SegmentFault {
    private SegmentFault() {
    }

    /**
     * Whether {@code failure}, thrown by a segment operation (never by a script's own code), means
     * the segment is lost. The seam for the protocol's typed SegmentLostException: once the
     * segment throws that, this test becomes {@code instanceof SegmentLostException}.
     */
    public static boolean isSegmentLost(Throwable failure) {
        return failure instanceof InternalError;
    }
}
