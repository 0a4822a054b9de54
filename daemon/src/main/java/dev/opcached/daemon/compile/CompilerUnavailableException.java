package dev.opcached.daemon.compile;

/** The pool's compiler could not be reached or did not answer in time; nothing is known of the files asked. */
public final class CompilerUnavailableException extends Exception {
    public CompilerUnavailableException(String message) {
        super(message);
    }

    public CompilerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
