package dev.opcached.daemon.supervisor;

/**
 * How long a slot waits before it starts a process again: at once after a process that had been
 * serving (or had lived long enough), else 200 ms doubling to 10 s for each death in a row before
 * it served, so that a process that cannot start does not take a core in a restart loop. Used by
 * one slot's thread at a time (its callers hold the slot's lock).
 */
final class RestartBackoff {
    /** The wait before the second start after a death before serving; it doubles from there. */
    static final long FIRST_MILLIS = 200;
    static final long MAX_MILLIS = 10_000;
    /** A process that lived this long without saying ready is healthy all the same. */
    static final long HEALTHY_MILLIS = 10_000;

    private int deathsInARow;

    /**
     * Notes that a process ended after {@code livedMillis}: a healthy one (it had served, or lived
     * long enough) starts the count again.
     *
     * @return whether it was healthy
     */
    boolean ended(WorkerProcess process, long livedMillis) {
        boolean healthy = process.phase() == WorkerProcess.Phase.SERVING || livedMillis >= HEALTHY_MILLIS;
        if (healthy) {
            deathsInARow = 0;
        }
        return healthy;
    }

    /** Starts the count again (an end that was no failure). */
    void reset() {
        deathsInARow = 0;
    }

    /** The wait before the next start, counting this one. */
    long next() {
        long delay = deathsInARow == 0 ? 0 : Math.min(MAX_MILLIS, FIRST_MILLIS << Math.min(deathsInARow - 1, 20));
        deathsInARow++;
        return delay;
    }

    /** Deaths before serving in a row, this one included. */
    int inARow() {
        return deathsInARow;
    }
}
