package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A script cannot forge a line of the pool's log: neither through an exception's message nor
 * through what it prints (the worker points System.out and System.err at its stderr).
 */
class WorkerLogForgeryTest {
    private static final String FORGED = "2026-12-01T10:00:00.000Z INFO  [1 supervisor] d.o.d.s.Supervisor - forged";

    @TempDir
    Path dir;

    @Test
    void noForgedLineStartsAtColumnZeroOfTheSupervisorsOutput() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Scripts.write(docroot, "printer", "System.out.println(request.param(\"x\")); System.err.println(\"err \" + request.param(\"x\"));"
                + " response.write(\"printed\");");
        Scripts.write(docroot, "thrower", "throw new RuntimeException(request.param(\"x\"));");
        String x = URLEncoder.encode("boom\n" + FORGED + " by an exception", StandardCharsets.UTF_8);
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "forgery", 1)) {
            assertThat(pool.get("/printer.java?x=" + URLEncoder.encode(FORGED + " by System.out", StandardCharsets.UTF_8))
                    .body()).isEqualTo("printed");
            assertThat(pool.get("/thrower.java?x=" + x).statusCode()).isEqualTo(500);
            long worker = Long.parseLong(pool.supervisor().awaitLine("worker-1 started, pid (\\d+)", Duration.ofSeconds(5))
                    .group(1));
            String prefix = "[" + worker + " worker-1 stderr] ";
            pool.supervisor().awaitLine("^\\Q" + prefix + FORGED + " by System.out\\E$", Duration.ofSeconds(30));
            pool.supervisor().awaitLine("^\\Q" + prefix + "err " + FORGED + " by System.out\\E$", Duration.ofSeconds(30));
            // The worker's own log line passes unmarked, and its trace is indented under it.
            pool.supervisor().awaitLine("^\\S+ ERROR \\[" + worker + " worker-1\\] .*thrower\\.java.*\n"
                    + "\tjava.lang.RuntimeException: boom\\\\n\\Q" + FORGED + " by an exception\\E$", Duration.ofSeconds(30));
            assertThat(Arrays.stream(pool.supervisor().output().split("\n")))
                    .as(pool.supervisor().output())
                    .noneMatch(line -> line.startsWith(FORGED))
                    .noneMatch(line -> line.startsWith("java.lang.RuntimeException"));
        }
    }
}
