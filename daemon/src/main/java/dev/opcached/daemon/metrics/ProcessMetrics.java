package dev.opcached.daemon.metrics;

import dev.opcached.daemon.control.DurationHistogram;
import dev.opcached.daemon.control.ProcessFigures;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The pool's processes at each scrape, as the supervisor has them from their figures reports (at
 * most about a second old): requests and their durations per worker, the compiler's batches and
 * failures, workers alive and replaced. A worker's figures go on across its replacements, so that
 * a counter only falls when the supervisor restarts.
 */
final class ProcessMetrics implements MultiCollector {
    private final String pool;
    private final PoolProcesses processes;

    ProcessMetrics(String pool, PoolProcesses processes) {
        this.pool = pool;
        this.processes = processes;
    }

    @Override
    public MetricSnapshots collect() {
        List<PoolProcesses.Worker> workers = processes.workers();
        List<String> names = workers.stream().map(PoolProcesses.Worker::name).toList();
        List<Long> requests = workers.stream().map(worker -> worker.figures().counter("requests")).toList();
        List<DurationHistogram.Counts> durations = workers.stream()
                .map(worker -> worker.figures().histogram("request_duration")).toList();
        ProcessFigures compiler = processes.compiler();
        DurationHistogram.Counts compiles = compiler.histogram("compile_duration");
        Map<String, Long> restarts = processes.workerRestarts();
        MetricFamilies families = new MetricFamilies(pool)
                .counter("opcached_requests", "Requests answered, per worker slot", "worker", names, requests)
                .histogram("opcached_request_duration_seconds",
                        "Time from a request read to its answer written, per worker slot",
                        DurationHistogram.REQUEST_SECONDS, "worker", names, durations)
                .histogram("opcached_compile_duration_seconds", "Time of one javac batch of the pool's compiler",
                        DurationHistogram.COMPILE_SECONDS, null, List.of(), compiles == null ? List.of() : List.of(compiles))
                .counter("opcached_compile_failures", "Sources that did not compile", compiler.counter("failures"))
                .counter("opcached_compile_batches", "javac batches the pool's compiler ran", compiler.counter("batches"))
                .counter("opcached_redis_hits", "Units and source records found in Redis (sealed, checked)",
                        compiler.counter("redis_hits"))
                .counter("opcached_redis_misses", "Redis reads that found nothing usable (absent, rejected, timed out, Redis down)",
                        compiler.counter("redis_misses"))
                .counter("opcached_redis_stores", "Entries Redis confirmed it stored", compiler.counter("redis_stores"))
                .counter("opcached_redis_rejections", "Redis entries refused: bad seal, another key's, another fleet key's, truncated",
                        compiler.counter("redis_rejections"))
                .counter("opcached_redis_errors", "Redis commands that failed (connection lost, refused, full) or writes dropped",
                        compiler.counter("redis_errors"))
                .counter("opcached_redis_timeouts", "Redis reads not answered within opcached.redis_timeout",
                        compiler.counter("redis_timeouts"))
                .counter("opcached_redis_state_changes", "Times Redis went up or down for the pool's compiler",
                        compiler.counter("redis_state_changes"))
                .counter("opcached_redis_claim_waits", "Compiles this pool waited for because another host had claimed them",
                        compiler.counter("redis_claim_waits"))
                .counter("opcached_redis_compiles_saved", "Units taken from another host's compile after waiting on its claim",
                        compiler.counter("redis_compiles_saved"))
                .gauge("opcached_redis_up", "1 while the pool's compiler has Redis answering, else 0 (down, or no Redis level)",
                        processes.runningCompiler().counter("redis_up"))
                .counter("opcached_worker_restarts", "Workers replaced, by cause", "cause",
                        new ArrayList<>(restarts.keySet()), new ArrayList<>(restarts.values()))
                .gauge("opcached_workers_alive", "Worker slots with a worker serving now (it said ready and still runs)",
                        workers.stream().filter(PoolProcesses.Worker::serving).count())
                .gauge("opcached_workers", "Worker slots (pm.max_children)", workers.size());
        return new MetricSnapshots(families.families());
    }
}
