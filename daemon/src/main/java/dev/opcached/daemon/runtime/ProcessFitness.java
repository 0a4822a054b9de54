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
     * full, a class half initialised) but a stack overflow, which unwinds with the thread fit again,
     * and a fault on a lost segment's mapping, which leaves the process sound: the supervisor
     * replaces the segment, and this worker with it ({@link SegmentFault}).
     */
    public static boolean unfitAfter(Throwable error) {
        return error instanceof VirtualMachineError && !(error instanceof StackOverflowError)
                && !SegmentFault.isSegmentLost(error);
    }
}
