package dev.opcached.daemon.worker;

import dev.opcached.daemon.control.WorkerReport;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Says {@code alive} every {@link WorkerReport#HEARTBEAT_MILLIS}, from the event loops themselves:
 * one beat is a task handed from loop to loop through all of them, sent by the last, so that a
 * wedged loop (or a stopped process) stops the heartbeat and the supervisor replaces the worker.
 */
final class Heartbeat {
    private final List<EventExecutor> loops = new ArrayList<>();
    private final ReportPipe reports;

    Heartbeat(EventLoopGroup group, ReportPipe reports) {
        group.forEach(loops::add);
        this.reports = reports;
    }

    void start() {
        loops.get(0).execute(() -> beat(0));
    }

    private void beat(int loop) {
        if (loop + 1 < loops.size()) {
            loops.get(loop + 1).execute(() -> beat(loop + 1));
            return;
        }
        reports.alive();
        loops.get(0).schedule(() -> beat(0), WorkerReport.HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
    }
}
