package dev.opcached.daemon.runtime;

/**
 * The one rule, for the request threads, the event loops and any other thread of a worker, for when
 * an error leaves the process unfit to serve on, so that it retires instead of living on half alive.
 */
public final class ProcessFitness {
    private ProcessFitness() {
    }

    /**
     * Whether the JVM is in doubt after {@code error}: any {@link VirtualMachineError} (the heap
     * full, a class half initialised) but a stack overflow, which unwinds with the thread fit again.
     */
    public static boolean unfitAfter(Throwable error) {
        return error instanceof VirtualMachineError && !(error instanceof StackOverflowError);
    }
}
