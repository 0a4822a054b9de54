package dev.opcached.daemon.worker;

import dev.opcached.daemon.control.ProcessFigures;
import dev.opcached.daemon.control.SupervisorLine;
import dev.opcached.daemon.control.WorkerReport;
import java.util.concurrent.atomic.AtomicBoolean;

/** What this worker tells its supervisor on the report pipe; a lost segment is told once. */
final class ReportPipe {
    private final SupervisorLine line;
    private final AtomicBoolean segmentLostSent = new AtomicBoolean();

    ReportPipe(SupervisorLine line) {
        this.line = line;
    }

    void ready() {
        line.send(WorkerReport.of(WorkerReport.Kind.READY));
    }

    void alive() {
        line.send(WorkerReport.of(WorkerReport.Kind.ALIVE));
    }

    void retiring(String reason) {
        line.send(new WorkerReport(WorkerReport.Kind.RETIRING, reason));
    }

    void figures(ProcessFigures figures) {
        line.send(figures.report());
    }

    void segmentLost() {
        if (segmentLostSent.compareAndSet(false, true)) {
            line.send(WorkerReport.of(WorkerReport.Kind.SEGMENT_LOST));
        }
    }
}
