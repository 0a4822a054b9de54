package dev.opcached.daemon.supervisor;

import dev.opcached.daemon.control.ProcessFigures;
import dev.opcached.daemon.metrics.PoolProcesses;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The supervisor's processes as the metrics see them: its worker slots, its compiler, its worker restarts. */
final class SupervisedProcesses implements PoolProcesses {
    private final List<WorkerSlot> slots;
    private final CompilerSlot compiler;
    private final WorkerRestarts restarts;

    SupervisedProcesses(List<WorkerSlot> slots, CompilerSlot compiler, WorkerRestarts restarts) {
        this.slots = slots;
        this.compiler = compiler;
        this.restarts = restarts;
    }

    @Override
    public List<Worker> workers() {
        return slots.stream().map(slot -> new Worker(slot.name(), slot.serving(), slot.figures())).toList();
    }

    @Override
    public ProcessFigures compiler() {
        return compiler.figures();
    }

    @Override
    public ProcessFigures runningCompiler() {
        return compiler.runningFigures();
    }

    @Override
    public Map<String, Long> workerRestarts() {
        Map<String, Long> byLabel = new LinkedHashMap<>();
        restarts.byCause().forEach((cause, count) -> byLabel.put(cause.label(), count));
        return byLabel;
    }
}
