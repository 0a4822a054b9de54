package dev.opcached.daemon.supervisor;

import dev.opcached.daemon.control.ProcessFigures;
import dev.opcached.protocol.admin.StatusResponse;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One worker JVM as its supervisor knows it: the process, what it last reported and when. The
 * times used to judge it are monotonic, so that a step of the wall clock never makes a worker
 * look silent.
 */
final class WorkerProcess {
    /** Where a worker is in its life, as /status shows it. */
    enum Phase {
        /** Started, not listening yet. */
        STARTING,
        /** Said {@code ready}: accepting connections. */
        SERVING,
        /** Being replaced: said {@code retiring}, was recycled, or its segment was lost; it drains and exits. */
        RETIRING,
        /** Sent no heartbeat for opcached.worker_heartbeat_timeout: killed and replaced. */
        UNRESPONSIVE;

        String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Process process;
    private final long startedMillis;
    private final long startedNanos;
    private volatile Phase phase = Phase.STARTING;
    private volatile long lastReportNanos;
    private volatile long lastReportMillis;
    private volatile ProcessFigures figures = ProcessFigures.NONE;

    WorkerProcess(Process process, long startedMillis, long startedNanos) {
        this.process = process;
        this.startedMillis = startedMillis;
        this.startedNanos = startedNanos;
    }

    Process process() {
        return process;
    }

    long pid() {
        return process.pid();
    }

    Phase phase() {
        return phase;
    }

    void phase(Phase phase) {
        this.phase = phase;
    }

    long startedNanos() {
        return startedNanos;
    }

    /** What it last said it had counted since it started. */
    ProcessFigures figures() {
        return figures;
    }

    void figures(ProcessFigures figures) {
        this.figures = figures;
    }

    /** A report that tells of its event loops (every one but {@code figures}) is a sign of life. */
    void heard(long nowNanos, long nowMillis) {
        lastReportNanos = nowNanos;
        lastReportMillis = nowMillis;
    }

    /** Whether it has reported anything: a worker that never did is not judged by its heartbeat. */
    boolean reported() {
        return lastReportMillis != 0;
    }

    /** Nanoseconds since its last report, at {@code nowNanos}. */
    long silentNanos(long nowNanos) {
        return nowNanos - lastReportNanos;
    }

    /**
     * What /status shows of it, its memory read now from {@code procRoot}; its age from the
     * monotonic clock, so that a step of the wall clock never makes it negative.
     */
    StatusResponse.WorkerStatus status(String name, long restarts, Path procRoot, long nowNanos) {
        boolean alive = process.isAlive();
        ProcessMemory memory = alive ? ProcessMemory.of(procRoot, process.pid()) : ProcessMemory.UNKNOWN;
        return new StatusResponse.WorkerStatus(name, alive ? process.pid() : -1, startedMillis / 1000,
                restarts, phase.word(), lastReportMillis / 1000,
                alive ? TimeUnit.NANOSECONDS.toSeconds(Math.max(0, nowNanos - startedNanos)) : null,
                memory.rss(), memory.pss(), figures == ProcessFigures.NONE ? null : figures.counter("requests"));
    }
}
