package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No orphans, ever: workers follow their supervisor within 2 seconds, even when it is SIGKILLed. */
class SupervisorDeathTest {
    @TempDir
    Path dir;

    @Test
    void workersExitWithinTwoSecondsOfTheSupervisorsSigkillAndTheNextStartSucceeds() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Scripts.text(docroot, "hello", "hello");
        Path segments = dir.resolve("shm");
        Path abandoned;
        List<ProcessHandle> workers = new ArrayList<>();
        try (PoolProcess pool = PoolProcess.start(docroot, segments, "www", 2)) {
            abandoned = pool.segment();
            Matcher started = Pattern.compile("worker-\\d started, pid (\\d+)").matcher(pool.supervisor().output());
            while (started.find()) {
                workers.add(ProcessHandle.of(Long.parseLong(started.group(1))).orElseThrow());
            }
            assertThat(workers).hasSize(2);

            pool.supervisor().kill();
            // Polled here rather than ProcessHandle.onExit(), whose polling of a non-child backs off.
            long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (workers.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() - deadline < 0) {
                Thread.sleep(10);
            }
            assertThat(workers).as("workers still alive 2 s after the supervisor's SIGKILL")
                    .noneMatch(ProcessHandle::isAlive);
        }
        assertThat(abandoned).exists();
        try (PoolProcess next = PoolProcess.start(docroot, segments, "www", 1)) {
            assertThat(next.get("/hello.java").body()).isEqualTo("hello");
            assertThat(abandoned).doesNotExist();
        }
    }
}
