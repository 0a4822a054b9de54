package dev.opcached.daemon.metrics;

import dev.opcached.daemon.control.ProcessFigures;
import java.util.List;
import java.util.Map;

/**
 * What the supervisor knows of the pool's processes at a scrape: each worker slot's figures (its
 * exited workers' and its live ones' as they last reported), the compilers', and why workers were
 * replaced.
 */
public interface PoolProcesses {
    /** No processes: a pool seen from outside its supervisor (tests, {@code opcached run}). */
    PoolProcesses NONE = new PoolProcesses() {
        @Override
        public List<Worker> workers() {
            return List.of();
        }

        @Override
        public ProcessFigures compiler() {
            return ProcessFigures.NONE;
        }

        @Override
        public ProcessFigures runningCompiler() {
            return ProcessFigures.NONE;
        }

        @Override
        public Map<String, Long> workerRestarts() {
            return Map.of();
        }
    };

    /**
     * One worker slot: its name ({@code worker-1}), whether a worker serves in it now (said ready
     * and still runs), and its figures.
     */
    record Worker(String name, boolean serving, ProcessFigures figures) {
    }

    List<Worker> workers();

    ProcessFigures compiler();

    /** The running compiler's own last figures (no exited one's): where a state such as {@code redis_up} is read. */
    ProcessFigures runningCompiler();

    /** Worker replacements by cause (crash, recycle, timeout, ...), every cause listed. */
    Map<String, Long> workerRestarts();
}
