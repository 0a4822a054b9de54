package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import dev.opcached.protocol.segment.ProcessTable;
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
    /** Whether a process is still running: it exists and is neither a zombie nor dead. */
    private static boolean running(ProcessHandle process) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (java.io.IOException gone) {
            return false;
        }
    }

    @TempDir
    Path dir;

    @Test
    void workersExitWithinTwoSecondsOfTheSupervisorsSigkillAndTheNextStartSucceeds() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Scripts.text(docroot, "hello", "hello");
        Path segments = dir.resolve("shm");
        Path abandoned;
        Path abandonedCompilerDirectory;
        List<ProcessHandle> workers = new ArrayList<>();
        try (PoolProcess pool = PoolProcess.start(docroot, segments, "www", 2)) {
            abandoned = pool.segment();
            Matcher started = Pattern.compile("worker-\\d started, pid (\\d+)").matcher(pool.supervisor().output());
            while (started.find()) {
                workers.add(ProcessHandle.of(Long.parseLong(started.group(1))).orElseThrow());
            }
            assertThat(workers).hasSize(2);
            // the compiler process is a child like the workers, and goes with its supervisor too
            Matcher compiler = Pattern.compile("compiler started, pid (\\d+)").matcher(pool.supervisor().output());
            assertThat(compiler.find()).isTrue();
            workers.add(ProcessHandle.of(Long.parseLong(compiler.group(1))).orElseThrow());
            abandonedCompilerDirectory = segments.resolve("compiler." + pool.supervisor().pid() + "."
                    + ProcessTable.SYSTEM.startTicks(pool.supervisor().pid()));
            assertThat(abandonedCompilerDirectory).isDirectory();

            pool.supervisor().kill();
            // Polled here rather than ProcessHandle.onExit(), whose polling of a non-child backs off;
            // and judged by /proc, since an exited orphan stays a zombie until init reaps it.
            long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (workers.stream().anyMatch(SupervisorDeathTest::running) && System.nanoTime() - deadline < 0) {
                Thread.sleep(10);
            }
            assertThat(workers).as("workers or the compiler still running 2 s after the supervisor's SIGKILL")
                    .noneMatch(SupervisorDeathTest::running);
        }
        assertThat(abandoned).exists();
        assertThat(abandonedCompilerDirectory).isDirectory();
        try (PoolProcess next = PoolProcess.start(docroot, segments, "www", 1)) {
            assertThat(next.get("/hello.java").body()).isEqualTo("hello");
            assertThat(abandoned).doesNotExist();
            assertThat(abandonedCompilerDirectory).doesNotExist();
        }
    }
}
