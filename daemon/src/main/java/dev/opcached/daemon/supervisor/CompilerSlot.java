package dev.opcached.daemon.supervisor;

import dev.opcached.daemon.control.ProcessFigures;
import dev.opcached.daemon.control.WorkerReport;
import dev.opcached.daemon.control.WorkerReportReader;
import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's one compiler process: started before the workers, restarted whenever it exits
 * (at once when it had been serving, with backoff when it keeps dying before it is ready), killed
 * and restarted when it stops heartbeating, replaced when the segment is, stopped after the
 * workers. Clients waiting on it meanwhile reconnect within their own deadlines.
 */
final class CompilerSlot {
    private static final Logger LOG = LoggerFactory.getLogger(CompilerSlot.class);
    private static final long HEARTBEAT_CHECK_MILLIS = 250;
    /** What a compiler asked to stop (SIGTERM) gets before it is killed. */
    private static final long STOP_MILLIS = 5_000;

    private final CompilerLauncher launcher;
    private final ScheduledExecutorService scheduler;
    private final long heartbeatTimeoutNanos;
    private final AtomicLong restarts = new AtomicLong();
    private WorkerProcess current;
    private boolean stopping;
    private boolean replacing;
    private boolean watchingHeartbeats;
    private final RestartBackoff backoff = new RestartBackoff();
    private final SlotFigures figures = new SlotFigures();
    private long lastCheckNanos = System.nanoTime();

    /** @param heartbeatTimeoutMillis silence after which the compiler is killed and restarted; 0 = never */
    CompilerSlot(CompilerLauncher launcher, ScheduledExecutorService scheduler, long heartbeatTimeoutMillis) {
        this.launcher = launcher;
        this.scheduler = scheduler;
        this.heartbeatTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(heartbeatTimeoutMillis);
    }

    /** The running compiler's pid, or -1 between two. */
    synchronized long pid() {
        return current != null && current.process().isAlive() ? current.pid() : -1;
    }

    /** Restarts so far (after deaths, heartbeat losses and replacements). */
    long restarts() {
        return restarts.get();
    }

    /** What the pool's compilers counted, those exited and the running one as it last reported. */
    ProcessFigures figures() {
        return figures.total();
    }

    /** What the running compiler last reported, or nothing between two. */
    synchronized ProcessFigures runningFigures() {
        return current != null && current.process().isAlive() ? current.figures() : ProcessFigures.NONE;
    }

    synchronized void start() {
        if (stopping || current != null) {
            return;
        }
        if (!watchingHeartbeats && heartbeatTimeoutNanos > 0) {
            watchingHeartbeats = true;
            scheduler.scheduleWithFixedDelay(this::checkHeartbeat, HEARTBEAT_CHECK_MILLIS, HEARTBEAT_CHECK_MILLIS,
                    TimeUnit.MILLISECONDS);
        }
        try {
            Process process = launcher.start();
            WorkerProcess compiler = new WorkerProcess(process, System.currentTimeMillis(), System.nanoTime());
            current = compiler;
            LOG.info("compiler started, pid {}", process.pid());
            figures.started(compiler);
            WorkerReportReader.start("compiler-reports-" + process.pid(), process.getInputStream(),
                    report -> reported(compiler, report), () -> figures.pipeClosed(compiler));
            WorkerLogRelay.start(CompilerLauncher.ROLE, process.pid(), process.getErrorStream(), System.err);
            process.onExit().thenAccept(exited -> exited(compiler));
        } catch (IOException e) {
            LOG.error("the compiler could not be started: {}", e.toString());
            later(this::start, backoff.next());
        }
    }

    private synchronized void reported(WorkerProcess compiler, WorkerReport report) {
        if (report.kind() == WorkerReport.Kind.FIGURES) {
            compiler.figures(ProcessFigures.parse(report.detail()));
            return;
        }
        compiler.heard(System.nanoTime(), System.currentTimeMillis());
        if (report.kind() == WorkerReport.Kind.READY && compiler.phase() == WorkerProcess.Phase.STARTING) {
            compiler.phase(WorkerProcess.Phase.SERVING);
            LOG.info("compiler (pid {}) listening on {}", compiler.pid(), launcher.socket());
            notifyAll();
        }
    }

    /** Waits until a compiler has said ready; false at the deadline. */
    synchronized boolean awaitReady(long deadlineNanos) throws InterruptedException {
        while (current == null || current.phase() != WorkerProcess.Phase.SERVING) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0 || stopping) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /** Asks the compiler to stop and starts a new one once it has exited (its segment was replaced). */
    synchronized void replace(String why) {
        if (stopping || current == null) {
            return;
        }
        LOG.info("compiler (pid {}) is being replaced: {}", current.pid(), why);
        replacing = true;
        askToStop(current);
    }

    private void askToStop(WorkerProcess compiler) {
        if (compiler.process().isAlive()) {
            compiler.process().toHandle().destroy();
            later(() -> {
                if (compiler.process().isAlive()) {
                    LOG.warn("compiler (pid {}) did not stop within {} ms; killing it", compiler.pid(), STOP_MILLIS);
                    compiler.process().destroyForcibly();
                }
            }, STOP_MILLIS);
        }
    }

    private synchronized void checkHeartbeat() {
        WorkerProcess compiler = current;
        long now = System.nanoTime();
        long sinceLastCheck = now - lastCheckNanos;
        lastCheckNanos = now;
        if (sinceLastCheck > TimeUnit.MILLISECONDS.toNanos(4 * HEARTBEAT_CHECK_MILLIS)) {
            // the supervisor itself was paused: the reports that came meanwhile are still in the pipe
            return;
        }
        if (stopping || compiler == null || !compiler.reported() || compiler.silentNanos(now) <= heartbeatTimeoutNanos) {
            return;
        }
        LOG.warn("compiler (pid {}) sent no heartbeat for {} ms (stopped or stuck): killing it", compiler.pid(),
                TimeUnit.NANOSECONDS.toMillis(compiler.silentNanos(now)));
        compiler.phase(WorkerProcess.Phase.UNRESPONSIVE);
        compiler.process().destroyForcibly();
        // its exit restarts it
    }

    private synchronized void exited(WorkerProcess compiler) {
        if (compiler != current) {
            return;
        }
        current = null;
        notifyAll();
        int code = compiler.process().exitValue();
        long lived = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - compiler.startedNanos());
        if (stopping) {
            LOG.info("compiler (pid {}) exited with code {}", compiler.pid(), code);
            return;
        }
        restarts.incrementAndGet();
        if (replacing) {
            replacing = false;
            LOG.info("compiler (pid {}) has stopped to be replaced (code {}); starting the new one", compiler.pid(), code);
            start();
            return;
        }
        backoff.ended(compiler, lived);
        long delay = backoff.next();
        LOG.error("compiler (pid {}) died with exit code {}{} after {} ms; restarting it{}", compiler.pid(), code,
                code > 128 ? " (signal " + (code - 128) + ")" : "", lived,
                delay == 0 ? "" : " in " + delay + " ms (death " + backoff.inARow() + " in a row before ready)");
        if (delay == 0) {
            start();
        } else {
            later(this::start, delay);
        }
    }

    private void later(Runnable task, long delayMillis) {
        try {
            scheduler.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException shutDown) {
            // the supervisor is exiting; awaitStopped kills what is left
        }
    }

    /** Asks the compiler to stop (SIGTERM); no restart from now on. */
    synchronized void stop() {
        stopping = true;
        notifyAll();
        if (current != null && current.process().isAlive()) {
            current.process().toHandle().destroy();
        }
    }

    /** Waits for the compiler to exit; kills (SIGKILL) it if it has not by the deadline. */
    void awaitStopped(long deadlineNanos) throws InterruptedException {
        WorkerProcess compiler;
        synchronized (this) {
            compiler = current;
        }
        if (compiler == null) {
            return;
        }
        Process process = compiler.process();
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0 || !process.waitFor(left, TimeUnit.NANOSECONDS)) {
            LOG.warn("compiler (pid {}) did not stop in time; killing it", compiler.pid());
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
