package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** request_terminate_timeout covers a script's static initialisers and constructor: they are its code too. */
class ScriptInitialiserTimeoutTest {
    @TempDir
    Path dir;

    @Test
    void aRunawayStaticBlockOrConstructorGets504AndItsWorkerIsReplaced() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Scripts.text(docroot, "hello", "hello");
        Files.writeString(docroot.resolve("loopsinstatic.java"), """
                import dev.opcached.script.*;
                public class loopsinstatic implements Script {
                    static { while (System.nanoTime() != 0) { Thread.onSpinWait(); } }
                    public void handle(Request request, Response response) {
                        response.write("never");
                    }
                }
                """);
        Files.writeString(docroot.resolve("loopsinconstructor.java"), """
                import dev.opcached.script.*;
                public class loopsinconstructor implements Script {
                    public loopsinconstructor() { while (System.nanoTime() != 0) { Thread.onSpinWait(); } }
                    public void handle(Request request, Response response) {
                        response.write("never");
                    }
                }
                """);
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "initloop", 1,
                "request_terminate_timeout=2", "process_control_timeout=5")) {
            for (String runaway : new String[] {"/loopsinstatic.java", "/loopsinconstructor.java"}) {
                HttpResponse<String> response = answer(pool, runaway);
                assertThat(response.statusCode()).as(runaway).isEqualTo(504);
                String victim = response.headers().firstValue("X-Opcached-Worker").orElseThrow();
                pool.supervisor().awaitLine("\\(pid " + victim + "\\) is being replaced: pid " + victim
                        + " is retiring \\(request_terminate_timeout\\)", Duration.ofSeconds(30));
                String next = victim;
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (next.equals(victim)) {
                    assertThat(System.nanoTime() - deadline).as("a replacement serves").isNegative();
                    HttpResponse<String> hello = answer(pool, "/hello.java");
                    assertThat(hello.body()).isEqualTo("hello");
                    next = hello.headers().firstValue("X-Opcached-Worker").orElseThrow();
                }
            }
        }
    }

    /** The answer to {@code path} on a new connection, tried again while a worker is being replaced. */
    private static HttpResponse<String> answer(PoolProcess pool, String path) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                return pool.get(path);
            } catch (IOException refused) {
                assertThat(System.nanoTime() - deadline).as(path + " answered: " + refused).isNegative();
                Thread.sleep(20);
            }
        }
    }
}
