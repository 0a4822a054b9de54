package dev.opcached.protocol.segment;

/**
 * A process as a segment records its creator: pid and start time in clock ticks since boot (0 when
 * unknown). See {@link ProcessTable#isAlive} for how it is compared.
 */
record ProcessIdentity(long pid, long startTicks) {
    /** This process. */
    static ProcessIdentity current(ProcessTable processes) {
        long pid = ProcessHandle.current().pid();
        return new ProcessIdentity(pid, processes.startTicks(pid));
    }

    /** Whether this process still runs, as far as {@code processes} can tell. */
    boolean aliveIn(ProcessTable processes) {
        return processes.isAlive(pid, startTicks);
    }

    @Override
    public String toString() {
        return "pid " + pid + " (started at tick " + startTicks + ")";
    }
}
