package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.PoolMetrics;
import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Workers that end (a request timeout, SIGKILL) are replaced; each test starts a pool of its own. */
class WorkerReplacementTest {
    @TempDir
    Path dir;

    @Test
    void endlessScriptGets504AndItsWorkerIsReplaced() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Scripts.text(docroot, "hello", "hello");
        Scripts.write(docroot, "endless", "while (true) { Thread.onSpinWait(); }");
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "endless", 2,
                "request_terminate_timeout=3")) {
            HttpResponse<String> response = pool.get("/endless.java");
            assertThat(response.statusCode()).isEqualTo(504);
            String replaced = response.headers().firstValue("X-Opcached-Worker").orElseThrow();
            pool.supervisor().awaitLine("\\(pid " + replaced + "\\) is being replaced: pid " + replaced
                    + " is retiring \\(request_terminate_timeout\\)", Duration.ofSeconds(30));
            pool.awaitResponse("/hello.java", r -> r.statusCode() == 200, Duration.ofSeconds(60));
            pool.supervisor().awaitLine("(?s)retiring \\(request_terminate_timeout\\).*worker-\\d started", Duration.ofSeconds(30));
            pool.supervisor().awaitLine("\\(pid " + replaced + "\\) exited with code \\d+ after being replaced",
                    Duration.ofSeconds(30));
            // Counted when it said retiring, and not again when it exited.
            String restarts = "opcached_worker_restarts_total";
            assertThat(PoolMetrics.value(pool, restarts, "cause=\"timeout\"")).as("one timeout").isEqualTo(1);
            assertThat(PoolMetrics.value(pool, restarts, "cause=\"crash\"")).as("not a crash").isZero();
        }
    }

    @Test
    void workerKilledWithSigkillIsReplacedAndServingWithinSeconds() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Scripts.text(docroot, "hello", "hello");
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "sigkill", 2)) {
            String victim = pool.get("/hello.java").headers().firstValue("X-Opcached-Worker").orElseThrow();
            ProcessHandle.of(Long.parseLong(victim)).orElseThrow().destroyForcibly();
            pool.supervisor().awaitLine("\\(pid " + victim + "\\) died with exit code 137 \\(signal 9\\)",
                    Duration.ofSeconds(30));
            Set<String> workers = new HashSet<>();
            pool.awaitResponse("/hello.java", response -> {
                workers.add(response.headers().firstValue("X-Opcached-Worker").orElseThrow());
                workers.remove(victim);
                return workers.size() == 2;
            }, Duration.ofSeconds(60));
        }
    }
}
