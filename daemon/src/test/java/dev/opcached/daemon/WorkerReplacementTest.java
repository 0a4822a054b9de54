package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Workers that end (a request timeout, SIGKILL) are replaced; each test starts a pool of its own. */
class WorkerReplacementTest {
    @TempDir
    Path dir;

    /** Requests on new connections until {@code condition} holds for a response, or fails at the deadline. */
    private static HttpResponse<String> awaitResponse(PoolProcess pool, String path,
                                                      Predicate<HttpResponse<String>> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        HttpResponse<String> last = null;
        while (System.nanoTime() - deadline < 0) {
            try {
                last = pool.get(path);
                if (condition.test(last)) {
                    return last;
                }
            } catch (java.io.IOException e) {
                // a worker being replaced: try again
            }
            Thread.sleep(20);
        }
        throw new TimeoutException("no matching response to " + path + "; last: "
                + (last == null ? null : last.statusCode() + " " + last.body()) + "\n" + pool.supervisor().output());
    }

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
            awaitResponse(pool, "/hello.java", r -> r.statusCode() == 200);
            pool.supervisor().awaitLine("(?s)retiring \\(request_terminate_timeout\\).*worker-\\d started", Duration.ofSeconds(30));
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
            awaitResponse(pool, "/hello.java", response -> {
                workers.add(response.headers().firstValue("X-Opcached-Worker").orElseThrow());
                workers.remove(victim);
                return workers.size() == 2;
            });
        }
    }
}
