package dev.opcached.daemon.worker;

import dev.opcached.daemon.control.WorkerReport;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Says {@code alive} every {@link WorkerReport#HEARTBEAT_MILLIS}, from the event loops themselves:
 * the accepting loop sends a beat when every connection loop has answered its last one, or is
 * inside a script (busy with a request, whose time request_terminate_timeout watches, not
 * wedged). A wedged loop, or a stopped process, stops the heartbeat and the supervisor replaces
 * the worker.
 */
final class Heartbeat {
    private final EventExecutor acceptor;
    private final LoopLoads.Load[] loops;
    private final ReportPipe reports;
    /** Per connection loop, the last beat it answered. */
    private final long[] answered;
    private long beat;

    Heartbeat(EventExecutor acceptor, LoopLoads loads, ReportPipe reports) {
        this.acceptor = acceptor;
        this.loops = loads.all();
        this.reports = reports;
        this.answered = new long[loops.length];
    }

    void start() {
        acceptor.execute(this::beat);
    }

    /** On the accepting loop: reports the last round if every loop took part, then starts the next. */
    private void beat() {
        boolean all = true;
        for (int i = 0; i < loops.length; i++) {
            all &= answered[i] == beat || loops[i].runningScript();
        }
        if (all) {
            reports.alive();
        }
        long round = ++beat;
        for (int i = 0; i < loops.length; i++) {
            int loop = i;
            loops[i].loop().execute(() -> acceptor.execute(() -> answered[loop] = round));
        }
        acceptor.schedule(this::beat, WorkerReport.HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
    }
}
