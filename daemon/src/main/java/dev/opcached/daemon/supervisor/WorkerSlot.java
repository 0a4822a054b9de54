package dev.opcached.daemon.supervisor;

import dev.opcached.daemon.worker.WorkerExit;
import dev.opcached.protocol.admin.StatusResponse;
import java.io.IOException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One place in the pool, held by one worker process at a time: started, watched, and replaced when
 * it exits: at once when it was recycled or timed out, with backoff when it crashed.
 */
final class WorkerSlot {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerSlot.class);
    private static final long FIRST_BACKOFF_MILLIS = 100;
    private static final long MAX_BACKOFF_MILLIS = 10_000;
    /** A worker that lived this long is healthy: its crash starts the backoff again from the start. */
    private static final long HEALTHY_MILLIS = 10_000;

    private final String name;
    private final WorkerLauncher launcher;
    private final ScheduledExecutorService scheduler;
    private final AtomicLong restarts;
    private volatile Process process;
    private volatile boolean stopping;
    private volatile long startedAt;
    private volatile long restartsOfSlot;
    private int crashesInARow;

    WorkerSlot(String name, WorkerLauncher launcher, ScheduledExecutorService scheduler, AtomicLong restarts) {
        this.name = name;
        this.launcher = launcher;
        this.scheduler = scheduler;
        this.restarts = restarts;
    }

    String name() {
        return name;
    }

    /** The current worker's pid, or -1 between two workers. */
    long pid() {
        Process current = process;
        return current != null && current.isAlive() ? current.pid() : -1;
    }

    /** What /status shows of this worker. */
    StatusResponse.WorkerStatus status() {
        return new StatusResponse.WorkerStatus(name, pid(), startedAt / 1000, restartsOfSlot);
    }

    synchronized void start() {
        if (stopping) {
            return;
        }
        try {
            Process started = launcher.start(name);
            process = started;
            startedAt = System.currentTimeMillis();
            LOG.info("{} started, pid {}", name, started.pid());
            started.onExit().thenAccept(this::exited);
        } catch (IOException e) {
            LOG.error("{} could not be started: {}", name, e.toString());
            scheduleRestart(true);
        }
    }

    private synchronized void exited(Process exited) {
        if (stopping) {
            return;
        }
        int code = exited.exitValue();
        long lived = System.currentTimeMillis() - startedAt;
        switch (code) {
            case WorkerExit.NORMAL -> LOG.info("{} (pid {}) recycled after {} ms; replacing it", name, exited.pid(), lived);
            case WorkerExit.REQUEST_TIMEOUT -> LOG.warn("{} (pid {}) exited after a request timeout; replacing it",
                    name, exited.pid());
            default -> LOG.error("{} (pid {}) died with exit code {}{} after {} ms; replacing it", name, exited.pid(), code,
                    code > 128 ? " (signal " + (code - 128) + ")" : "", lived);
        }
        boolean crashed = code != WorkerExit.NORMAL && code != WorkerExit.REQUEST_TIMEOUT;
        if (crashed && lived >= HEALTHY_MILLIS) {
            crashesInARow = 0;
        }
        scheduleRestart(crashed);
    }

    private void scheduleRestart(boolean crashed) {
        long delay = 0;
        if (crashed) {
            delay = Math.min(MAX_BACKOFF_MILLIS, FIRST_BACKOFF_MILLIS << Math.min(crashesInARow, 20));
            crashesInARow++;
        }
        restarts.incrementAndGet();
        restartsOfSlot++;
        if (delay > 0) {
            LOG.info("{} restarts in {} ms (crash {} in a row)", name, delay, crashesInARow);
        }
        scheduler.schedule(this::start, delay, TimeUnit.MILLISECONDS);
    }

    /** Asks the worker to stop (SIGTERM); it drains and exits. */
    synchronized void stop() {
        stopping = true;
        Process current = process;
        if (current != null) {
            // Through the handle: Process.destroy() would also close the worker's stdin, which the
            // worker takes as the supervisor's death and exits without draining.
            current.toHandle().destroy();
        }
    }

    /** Waits for the worker to exit; kills it (SIGKILL) when it has not by the deadline. */
    void awaitStopped(long deadlineNanos) throws InterruptedException {
        Process current = process;
        if (current == null) {
            return;
        }
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0 || !current.waitFor(left, TimeUnit.NANOSECONDS)) {
            LOG.warn("{} (pid {}) did not stop in time; killing it", name, current.pid());
            current.destroyForcibly();
            current.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
