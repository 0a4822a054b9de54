package dev.opcached.daemon.worker;

import dev.opcached.daemon.control.WorkerReport;
import io.netty.util.concurrent.EventExecutor;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Says {@code alive} from the event loops themselves: every {@link WorkerReport#HEARTBEAT_MILLIS}
 * the accepting loop sends it when every connection loop has answered a probe since the last
 * one, or is inside a script (busy with a request, whose time request_terminate_timeout watches,
 * not wedged). A wedged loop, or a stopped process, stops the heartbeat and the supervisor
 * replaces the worker; a slow one only makes it sparser. One probe at a time per loop, so that a
 * loop held by a script does not gather them.
 */
final class Heartbeat {
    private final EventExecutor acceptor;
    private final LoopLoads.Load[] loops;
    private final ReportPipe reports;
    /** Per connection loop, on the accepting loop only: a probe sent and not yet answered. */
    private final boolean[] probing;
    /** Per connection loop, on the accepting loop only: a probe answered since the last alive. */
    private final boolean[] answered;

    Heartbeat(EventExecutor acceptor, LoopLoads loads, ReportPipe reports) {
        this.acceptor = acceptor;
        this.loops = loads.all();
        this.reports = reports;
        this.probing = new boolean[loops.length];
        this.answered = new boolean[loops.length];
    }

    void start() {
        acceptor.execute(this::beat);
    }

    /** On the accepting loop: alive if every loop took part since the last, then the next probes. */
    private void beat() {
        boolean all = true;
        for (int i = 0; i < loops.length; i++) {
            all &= answered[i] || loops[i].runningScript();
        }
        if (all) {
            reports.alive();
            Arrays.fill(answered, false);
        }
        for (int i = 0; i < loops.length; i++) {
            if (!probing[i]) {
                probing[i] = true;
                int loop = i;
                loops[i].loop().execute(() -> acceptor.execute(() -> {
                    probing[loop] = false;
                    answered[loop] = true;
                }));
            }
        }
        acceptor.schedule(this::beat, WorkerReport.HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
    }
}
