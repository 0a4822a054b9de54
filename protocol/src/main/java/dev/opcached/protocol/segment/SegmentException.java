package dev.opcached.protocol.segment;

/** Base of the segment's typed failures. */
public class SegmentException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SegmentException(String message) {
        super(message);
    }

    public SegmentException(String message, Throwable cause) {
        super(message, cause);
    }
}
