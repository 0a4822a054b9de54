package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.PoolStatus;
import dev.opcached.daemon.testing.Scripts;
import dev.opcached.protocol.admin.StatusResponse;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A segment file truncated or deleted under a running pool: the supervisor notices, creates a new
 * segment and replaces its workers one by one; requests are answered again and /status works.
 */
class SegmentLossTest {
    private static final Duration DEADLINE = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @Test
    void truncatedSegmentIsReplacedAndThePoolServesAgain() throws Exception {
        survives("truncated", segment -> {
            try (FileChannel file = FileChannel.open(segment, StandardOpenOption.WRITE)) {
                file.truncate(0);
            }
        }, "was truncated to 0 bytes");
    }

    @Test
    void deletedSegmentIsReplacedAndThePoolServesAgain() throws Exception {
        survives("deleted", Files::delete, "was deleted");
    }

    private interface Damage {
        void to(Path segment) throws IOException;
    }

    private void survives(String pool, Damage damage, String reason) throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Scripts.text(docroot, "hello", "hello");
        try (PoolProcess started = PoolProcess.start(docroot, dir.resolve("shm"), pool, 2)) {
            assertThat(started.get("/hello.java").body()).isEqualTo("hello");
            Path lost = started.segment();
            damage.to(lost);

            started.supervisor().awaitLine("segment lost: segment file " + lost + " " + reason, DEADLINE);
            String renewed = started.supervisor().awaitLine("new segment (\\S+); workers are replaced", DEADLINE).group(1);
            assertThat(renewed).isNotEqualTo(lost.toString());
            // Both workers replaced, each by one attached to the new segment.
            started.supervisor().awaitLine("(?s)(exited with code \\d+ after being replaced.*){2}", DEADLINE);
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            int answered = 0;
            while (answered < 10) {
                assertThat(System.nanoTime() - deadline).as("10 answers in a row").isNegative();
                try {
                    HttpResponse<String> response = started.get("/hello.java");
                    answered = response.statusCode() == 200 && response.body().equals("hello") ? answered + 1 : 0;
                } catch (IOException notYet) {
                    answered = 0;
                    Thread.sleep(20);
                }
            }
            StatusResponse status = PoolStatus.of(started);
            assertThat(status.segment().path()).isEqualTo(renewed);
            assertThat(status.opcacheStatistics().numCachedScripts()).isEqualTo(1);
            assertThat(status.workers()).extracting(StatusResponse.WorkerStatus::state).containsOnly("serving");
            assertThat(Path.of(renewed)).exists();
        }
    }
}
