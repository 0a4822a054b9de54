package dev.opcached.daemon.compiler;

/** Exit codes of the compiler JVM, logged by the supervisor when it restarts one. */
public final class CompilerExit {
    /** Stopped as asked (SIGTERM). */
    public static final int NORMAL = 0;
    /** Could not start (segment not attachable, socket not bindable): restarted with backoff. */
    public static final int STARTUP_FAILED = 78;
    /** The JVM became unfit (an OutOfMemoryError in javac): restarted. */
    public static final int FATAL_ERROR = 70;
    /** The supervisor is gone (stdin closed). */
    public static final int SUPERVISOR_GONE = 3;

    private CompilerExit() {
    }
}
