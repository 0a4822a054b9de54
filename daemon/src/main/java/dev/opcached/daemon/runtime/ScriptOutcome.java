package dev.opcached.daemon.runtime;

/**
 * What running a script for one request gave: always a response to send, and whether the process
 * can go on serving after it.
 *
 * @param cause the error behind a fault other than {@link Fault#NONE}; null otherwise
 */
public record ScriptOutcome(BufferedResponse response, Fault fault, Throwable cause) {
    /** Whether the worker that ran the script is still fit to serve. */
    public enum Fault {
        /** It is: the response may be a 500, but nothing beyond this request is wrong. */
        NONE,
        /** The JVM is in trouble (an {@link OutOfMemoryError} or another VM error): the worker must retire. */
        WORKER_UNFIT,
        /** The shared segment faulted (its file was truncated or removed): the answer is a 503. */
        SEGMENT_LOST
    }

    static ScriptOutcome served(BufferedResponse response) {
        return new ScriptOutcome(response, Fault.NONE, null);
    }

    /**
     * A 500 for a failure outside the script, in the code that runs it: the request is still
     * answered, and a worker left unfit by it retires.
     */
    public static ScriptOutcome internalError(Throwable cause) {
        return new ScriptOutcome(BufferedResponse.plain(500, "500 Internal Server Error\n"),
                ProcessFitness.unfitAfter(cause) ? Fault.WORKER_UNFIT : Fault.NONE, cause);
    }
}
