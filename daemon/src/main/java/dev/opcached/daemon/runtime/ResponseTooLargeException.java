package dev.opcached.daemon.runtime;

/** A script wrote more body than {@code opcached.max_response_size} allows; its response becomes a 500. */
public final class ResponseTooLargeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ResponseTooLargeException(long wanted, long limit) {
        super("response body of at least " + wanted + " bytes exceeds opcached.max_response_size=" + limit
                + "; write less or raise opcached.max_response_size");
    }
}
