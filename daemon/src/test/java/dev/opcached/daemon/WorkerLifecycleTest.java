package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FPM's worker lifecycle: recycling after pm.max_requests, and a graceful stop that lets requests finish. */
class WorkerLifecycleTest {
    @TempDir
    Path dir;

    @Test
    void workerIsRecycledAfterMaxRequests() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Scripts.text(docroot, "hello", "hello");
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "recycle", 1, "pm.max_requests=3")) {
            // PoolProcess.start made one request already.
            String first = pool.get("/hello.java").headers().firstValue("X-Opcached-Worker").orElseThrow();
            assertThat(pool.get("/hello.java").headers().firstValue("X-Opcached-Worker")).contains(first);
            pool.supervisor().awaitLine("\\(pid " + first + "\\) recycled after", Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            String next = first;
            while (next.equals(first) && System.nanoTime() - deadline < 0) {
                try {
                    next = pool.get("/hello.java").headers().firstValue("X-Opcached-Worker").orElseThrow();
                } catch (java.io.IOException replacing) {
                    Thread.sleep(20);
                }
            }
            assertThat(next).as("a new worker serves").isNotEqualTo(first);
            assertThat(pool.supervisor().output()).contains("served 3 requests (pm.max_requests); recycling")
                    .doesNotContain("died with exit code");
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
