package dev.opcached.daemon.worker;

/** Exit codes of a worker JVM, read by the supervisor to decide how to replace it. */
public final class WorkerExit {
    /** Stopped as asked (SIGTERM), or recycled after pm.max_requests: replace at once unless stopping. */
    public static final int NORMAL = 0;
    /** Could not start (bad segment, port in use, …): replace with backoff. */
    public static final int STARTUP_FAILED = 78;
    /**
     * A request ran past request_terminate_timeout: it got a 504, the worker stopped accepting, let
     * its other requests finish and exited, to be replaced (its runaway thread cannot be stopped).
     */
    public static final int REQUEST_TIMEOUT = 75;
    /** The JVM became unfit to serve (an OutOfMemoryError): it answered what it could and exited. */
    public static final int FATAL_ERROR = 70;
    /** The supervisor is gone (stdin closed): no one will replace it. */
    public static final int SUPERVISOR_GONE = 3;

    private WorkerExit() {
    }
}
