package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.Conditions;
import dev.opcached.daemon.testing.PoolMetrics;
import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FPM's worker lifecycle: recycling after pm.max_requests without a moment with no worker
 * accepting, and a graceful stop that lets requests finish.
 */
class WorkerLifecycleTest {
    @TempDir
    Path dir;

    @Test
    void recycledWorkerServesUntilItsReplacementListensSoThatEveryRequestIsAnswered() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Scripts.text(docroot, "hello", "hello");
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "recycle", 1, "pm.max_requests=3")) {
            // PoolProcess.start made one request already; one worker, so no other takes over meanwhile.
            String first = pool.get("/hello.java").headers().firstValue("X-Opcached-Worker").orElseThrow();
            String next = first;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (next.equals(first)) {
                assertThat(System.nanoTime() - deadline).as("a new worker serves within 60 s").isNegative();
                HttpResponse<String> response = pool.get("/hello.java");
                assertThat(response.body()).isEqualTo("hello");
                next = response.headers().firstValue("X-Opcached-Worker").orElseThrow();
            }
            pool.supervisor().awaitLine("\\(pid " + first + "\\) exited with code 0 after being replaced",
                    Duration.ofSeconds(30));
            assertThat(pool.supervisor().output()).contains("served 3 requests (pm.max_requests); recycling")
                    .contains("(pid " + first + ") is being replaced: pid " + first + " is retiring (recycle)")
                    .doesNotContain("died with exit code");
            String restarts = "opcached_worker_restarts_total";
            Conditions.await("the recycle counted", () -> PoolMetrics.orZero(pool, restarts, "cause=\"recycle\""), 1);
            assertThat(PoolMetrics.value(pool, restarts, "cause=\"recycle\"")).as("one recycle").isEqualTo(1);
            assertThat(PoolMetrics.value(pool, restarts, "cause=\"crash\"")).as("not a crash").isZero();
        }
    }

    @Test
    void sigtermLetsTheRequestInFlightFinishThenExitsZero() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Scripts.write(docroot, "slow", "Thread.sleep(1500); response.write(\"finished\");");
        PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "graceful", 1);
        try {
            CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(() -> {
                try {
                    return pool.get("/slow.java");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            pool.supervisor().awaitLine("compiled .*slow.java", Duration.ofSeconds(30));
            pool.supervisor().process().toHandle().destroy();
            HttpResponse<String> response = slow.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("finished");
            assertThat(pool.supervisor().awaitExit(Duration.ofSeconds(30))).isZero();
            assertThat(pool.segment()).doesNotExist();
            assertThat(pool.supervisor().output()).contains("stopped after 2 requests");
        } finally {
            pool.close();
        }
    }
}
