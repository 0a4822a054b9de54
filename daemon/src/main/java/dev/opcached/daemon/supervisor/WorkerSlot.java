package dev.opcached.daemon.supervisor;

import dev.opcached.daemon.control.ProcessFigures;
import dev.opcached.daemon.control.WorkerReport;
import dev.opcached.daemon.control.WorkerReportReader;
import dev.opcached.daemon.worker.WorkerExit;
import dev.opcached.protocol.admin.StatusResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One place in the pool, held by one accepting worker process at a time. A worker being replaced
 * (it said {@code retiring}, stopped heartbeating, or its segment was lost) gets its replacement
 * at once and is asked to stop (SIGTERM) when the replacement says {@code ready}, so that the
 * slot keeps a worker accepting; it is killed if it has not exited by process_control_timeout
 * plus a margin. A worker that exits unexpectedly is replaced at once when it had been serving,
 * with backoff when it crashes again before it serves.
 */
final class WorkerSlot {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerSlot.class);
    /** How often the accepting worker's heartbeat is checked. */
    private static final long HEARTBEAT_CHECK_MILLIS = 250;
    /** Time past process_control_timeout that a retiring worker gets before it is killed. */
    private static final long KILL_MARGIN_MILLIS = 2_000;
    /** Where the kernel shows each worker's memory (smaps_rollup). */
    private static final Path PROC = Path.of("/proc");

    private final String name;
    private final WorkerLauncher launcher;
    private final ScheduledExecutorService scheduler;
    private final WorkerRestarts restarts;
    private final long heartbeatTimeoutNanos;
    private final long drainMillis;
    private WorkerProcess current;
    private final List<WorkerProcess> retiring = new ArrayList<>();
    private boolean stopping;
    private boolean watchingHeartbeats;
    private long lastCheckNanos = System.nanoTime();
    private long restartsOfSlot;
    private final SlotFigures figures = new SlotFigures();
    private final RestartBackoff backoff = new RestartBackoff();

    /**
     * @param heartbeatTimeoutMillis silence after which a worker is unresponsive; 0 = never
     * @param drainMillis            process_control_timeout: how long a retiring worker may finish its requests
     */
    WorkerSlot(String name, WorkerLauncher launcher, ScheduledExecutorService scheduler, WorkerRestarts restarts,
               long heartbeatTimeoutMillis, long drainMillis) {
        this.name = name;
        this.launcher = launcher;
        this.scheduler = scheduler;
        this.restarts = restarts;
        this.heartbeatTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(heartbeatTimeoutMillis);
        this.drainMillis = drainMillis;
    }

    String name() {
        return name;
    }

    /** The accepting worker's pid, or -1 between two workers. */
    synchronized long pid() {
        return current != null && current.process().isAlive() ? current.pid() : -1;
    }

    /**
     * Whether a worker of the slot serves now: the accepting one has said ready, or one being
     * replaced (recycled, timed out) still runs while its replacement starts.
     */
    synchronized boolean serving() {
        if (current != null && current.phase() == WorkerProcess.Phase.SERVING && current.process().isAlive()) {
            return true;
        }
        return retiring.stream().anyMatch(worker -> worker.phase() == WorkerProcess.Phase.RETIRING
                && worker.process().isAlive());
    }

    /** What /status shows of this slot: the accepting worker, then those being replaced. */
    synchronized List<StatusResponse.WorkerStatus> status() {
        List<StatusResponse.WorkerStatus> status = new ArrayList<>();
        long now = System.nanoTime();
        if (current != null) {
            status.add(current.status(name, restartsOfSlot, PROC, now));
        } else {
            status.add(new StatusResponse.WorkerStatus(name, -1, 0, restartsOfSlot,
                    WorkerProcess.Phase.STARTING.word(), 0, null, null, null, null));
        }
        retiring.forEach(worker -> status.add(worker.status(name, restartsOfSlot, PROC, now)));
        return status;
    }

    /**
     * What the slot's workers counted, the exited ones and those alive (as they last reported,
     * about once a second): counters that only grow while the supervisor runs.
     */
    ProcessFigures figures() {
        return figures.total();
    }

    synchronized void start() {
        if (stopping || current != null) {
            return;
        }
        if (!watchingHeartbeats && heartbeatTimeoutNanos > 0) {
            watchingHeartbeats = true;
            scheduler.scheduleWithFixedDelay(() -> checkHeartbeat(System.nanoTime()), HEARTBEAT_CHECK_MILLIS,
                    HEARTBEAT_CHECK_MILLIS, TimeUnit.MILLISECONDS);
        }
        try {
            Process process = launcher.start(name);
            WorkerProcess worker = new WorkerProcess(process, System.currentTimeMillis(), System.nanoTime());
            current = worker;
            LOG.info("{} started, pid {}", name, process.pid());
            figures.started(worker);
            WorkerReportReader.start(name + "-reports-" + process.pid(), process.getInputStream(),
                    report -> reported(worker, report), () -> figures.pipeClosed(worker));
            WorkerLogRelay.start(name, process.pid(), process.getErrorStream(), System.err);
            process.onExit().thenAccept(exited -> exited(worker));
        } catch (IOException e) {
            LOG.error("{} could not be started: {}", name, e.toString());
            scheduleStart(backoff());
        }
    }

    private synchronized void reported(WorkerProcess worker, WorkerReport report) {
        if (report.kind() == WorkerReport.Kind.FIGURES) {
            // Sent by a thread of its own, so no sign that the worker's event loops are alive.
            worker.figures(ProcessFigures.parse(report.detail()));
            return;
        }
        worker.heard(System.nanoTime(), System.currentTimeMillis());
        switch (report.kind()) {
            case READY -> {
                if (worker.phase() == WorkerProcess.Phase.STARTING) {
                    worker.phase(WorkerProcess.Phase.SERVING);
                    LOG.info("{} (pid {}) ready", name, worker.pid());
                }
                if (worker == current) {
                    // the replacement accepts: the workers it replaces may stop now
                    retiring.forEach(this::askToStop);
                }
                notifyAll();
            }
            case RETIRING -> {
                if (worker == current) {
                    replace("pid " + worker.pid() + " is retiring (" + report.detail() + ")",
                            WorkerRestarts.Cause.ofRetiring(report.detail()));
                }
            }
            case SEGMENT_LOST -> LOG.warn("{} (pid {}) reports its segment lost (the check of the segment file decides on a new one)",
                    name, worker.pid());
            case ALIVE, FIGURES -> {
                // heard() is all a heartbeat does
            }
        }
    }

    /**
     * Starts a replacement of the accepting worker at once; the worker itself stops when the
     * replacement is ready (or exits by itself first), and is killed after process_control_timeout.
     */
    synchronized void replace(String why, WorkerRestarts.Cause cause) {
        WorkerProcess worker = current;
        if (stopping || worker == null) {
            return;
        }
        LOG.info("{} (pid {}) is being replaced: {}", name, worker.pid(), why);
        retire(worker, WorkerProcess.Phase.RETIRING);
        if (!worker.process().isAlive()) {
            retiring.remove(worker);
        }
        // Stop it even if its replacement never becomes ready, and kill it if it does not stop.
        later(() -> askToStop(worker), drainMillis);
        countRestart(cause);
        start();
    }

    private void retire(WorkerProcess worker, WorkerProcess.Phase phase) {
        worker.phase(phase);
        retiring.add(worker);
        current = null;
        later(() -> killIfAlive(worker), drainMillis + drainMillis + KILL_MARGIN_MILLIS);
    }

    private void askToStop(WorkerProcess worker) {
        Process process = worker.process();
        if (process.isAlive()) {
            // Through the handle: Process.destroy() would also close the worker's stdin, which the
            // worker takes as the supervisor's death and exits without draining.
            process.toHandle().destroy();
            later(() -> killIfAlive(worker), drainMillis + KILL_MARGIN_MILLIS);
        }
    }

    private void killIfAlive(WorkerProcess worker) {
        if (worker.process().isAlive()) {
            LOG.warn("{} (pid {}) did not exit in time after being replaced; killing it", name, worker.pid());
            worker.process().destroyForcibly();
        }
    }

    /**
     * Kills and replaces the accepting worker if it has been silent for longer than the heartbeat
     * timeout (stopped, or its event loops are stuck): it would otherwise keep its share of new
     * connections and leave them unanswered.
     */
    private synchronized void checkHeartbeat(long nowNanos) {
        long sinceLastCheck = nowNanos - lastCheckNanos;
        lastCheckNanos = nowNanos;
        if (sinceLastCheck > TimeUnit.MILLISECONDS.toNanos(4 * HEARTBEAT_CHECK_MILLIS)) {
            // The supervisor itself was paused (stopped, starved): the reports that came meanwhile
            // are still in the pipes. Judge again once the readers have caught up.
            return;
        }
        WorkerProcess worker = current;
        if (heartbeatTimeoutNanos == 0 || stopping || worker == null || !worker.reported()
                || worker.silentNanos(nowNanos) <= heartbeatTimeoutNanos) {
            return;
        }
        LOG.warn("{} (pid {}) sent no heartbeat for {} ms (stopped or stuck): killing and replacing it", name,
                worker.pid(), TimeUnit.NANOSECONDS.toMillis(worker.silentNanos(nowNanos)));
        retire(worker, WorkerProcess.Phase.UNRESPONSIVE);
        worker.process().destroyForcibly();
        countRestart(WorkerRestarts.Cause.UNRESPONSIVE);
        start();
    }

    /** Waits until the accepting worker has said ready; false at the deadline. */
    synchronized boolean awaitServing(long deadlineNanos) throws InterruptedException {
        while (current == null || current.phase() != WorkerProcess.Phase.SERVING) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0 || stopping) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    private synchronized void exited(WorkerProcess worker) {
        int code = worker.process().exitValue();
        if (retiring.remove(worker)) {
            LOG.info("{} (pid {}) exited with code {} after being replaced", name, worker.pid(), code);
            return;
        }
        if (worker != current) {
            return;
        }
        current = null;
        notifyAll();
        if (stopping) {
            return;
        }
        long lived = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - worker.startedNanos());
        switch (code) {
            // a worker that is recycled says retiring first; one that just exits 0 was not asked to
            case WorkerExit.NORMAL -> LOG.warn("{} (pid {}) exited with code 0 after {} ms without retiring first;"
                    + " replacing it", name, worker.pid(), lived);
            case WorkerExit.REQUEST_TIMEOUT -> LOG.warn("{} (pid {}) exited after a request timeout; replacing it",
                    name, worker.pid());
            default -> LOG.error("{} (pid {}) died with exit code {}{} after {} ms; replacing it", name, worker.pid(), code,
                    code > 128 ? " (signal " + (code - 128) + ")" : "", lived);
        }
        boolean crashed = code != WorkerExit.NORMAL && code != WorkerExit.REQUEST_TIMEOUT;
        boolean healthy = backoff.ended(worker, lived);
        if (!crashed) {
            backoff.reset();
        }
        countRestart(code == WorkerExit.REQUEST_TIMEOUT ? WorkerRestarts.Cause.TIMEOUT : WorkerRestarts.Cause.CRASH);
        // A worker that had served is replaced at once; only crashes before serving back off.
        scheduleStart(crashed && !healthy ? backoff() : 0);
    }

    private long backoff() {
        long delay = backoff.next();
        if (delay > 0) {
            LOG.info("{} restarts in {} ms (crash {} in a row)", name, delay, backoff.inARow());
        }
        return delay;
    }

    private void countRestart(WorkerRestarts.Cause cause) {
        restarts.count(cause);
        restartsOfSlot++;
    }

    private void scheduleStart(long delayMillis) {
        if (delayMillis == 0) {
            start();
        } else {
            later(this::start, delayMillis);
        }
    }

    /** Runs {@code task} after {@code delayMillis}; nothing once the supervisor has shut its scheduler down. */
    private void later(Runnable task, long delayMillis) {
        try {
            scheduler.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException shutDown) {
            // the supervisor is exiting; awaitStopped kills what is left
        }
    }

    /** Asks every worker of the slot to stop (SIGTERM); they drain and exit. */
    synchronized void stop() {
        stopping = true;
        notifyAll();
        if (current != null) {
            askToStop(current);
        }
        retiring.forEach(this::askToStop);
    }

    /** Waits for the slot's workers to exit; kills (SIGKILL) those that have not by the deadline. */
    void awaitStopped(long deadlineNanos) throws InterruptedException {
        List<WorkerProcess> workers;
        synchronized (this) {
            workers = new ArrayList<>(retiring);
            if (current != null) {
                workers.add(current);
            }
        }
        for (WorkerProcess worker : workers) {
            Process process = worker.process();
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0 || !process.waitFor(left, TimeUnit.NANOSECONDS)) {
                LOG.warn("{} (pid {}) did not stop in time; killing it", name, worker.pid());
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
