package dev.opcached.protocol.segment;

/** The segment's write lock could not be taken before the deadline. */
public final class SegmentLockTimeoutException extends SegmentException {
    private static final long serialVersionUID = 1L;

    public SegmentLockTimeoutException(String message) {
        super(message);
    }
}
