package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.compile.FileOutcome;
import dev.opcached.daemon.compile.PoolCompiler;
import dev.opcached.daemon.compiler.CompilerClient;
import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.PoolStatus;
import dev.opcached.daemon.testing.Scripts;
import dev.opcached.protocol.admin.StatusResponse;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentKey;
import dev.opcached.protocol.segment.SegmentReader;
import dev.opcached.protocol.segment.SegmentStatistics;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A segment file truncated or deleted under a running pool: the supervisor notices, creates a new
 * segment that continues the pool's figures and counts a lost-segment restart, and replaces its
 * workers one by one; requests are answered again and /status works.
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
        }, "was truncated or replaced");
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
        try (PoolProcess started = PoolProcess.start(docroot, dir.resolve("shm"), pool, 2,
                "opcache.file_update_protection=0")) {
            // Many more hits than the new segment counts below, so that a restart from zero shows.
            for (int i = 0; i < 30; i++) {
                assertThat(started.get("/hello.java").body()).isEqualTo("hello");
            }
            awaitHousekeepingTwice(started);
            SegmentStatistics before = started.statistics();
            assertThat(before.hits()).isGreaterThanOrEqualTo(25);
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
            assertThat(status.opcacheStatistics().segmentLostRestarts()).isEqualTo(1);
            assertThat(status.opcacheStatistics().lastRestartReason()).isEqualTo("segment_lost");
            assertThat(status.opcacheStatistics().hits()).as("the hits counted before the loss are kept")
                    .isGreaterThanOrEqualTo(before.hits());
            assertThat(status.opcacheStatistics().startTime()).isEqualTo(before.startTimeMillis() / 1000);
            assertThat(status.workers()).extracting(StatusResponse.WorkerStatus::state).containsOnly("serving");
            assertThat(Path.of(renewed)).exists();
            // The compiler too is replaced by one that stores into the new segment.
            started.supervisor().awaitLine("compiler \\(pid \\d+\\) has stopped to be replaced", DEADLINE);
            Path socket = Path.of(started.supervisor().awaitLine("compiler \\(pid \\d+\\) listening on (\\S+)$", DEADLINE)
                    .group(1));
            Path other = Scripts.text(docroot, "other", "other").toRealPath();
            assertThat(new CompilerClient(socket).compile(List.of(other), DEADLINE.toMillis(), PoolCompiler.Progress.NONE))
                    .singleElement().extracting(FileOutcome::status).isEqualTo(FileOutcome.Status.COMPILED);
            try (SegmentReader segment = Segment.openReadOnly(Path.of(renewed))) {
                assertThat(segment.peek(SegmentKey.of(other.toString()))).isNotNull();
            }
        }
    }

    /**
     * Until the supervisor's housekeeping has written the segment's heartbeat twice from now on:
     * the first of those rounds read the figures after now, and the second began once the first had
     * kept them as its last snapshot.
     */
    private static void awaitHousekeepingTwice(PoolProcess pool) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        long seen = pool.statistics().heartbeatMillis();
        for (int rounds = 0; rounds < 2; ) {
            assertThat(System.nanoTime() - deadline).as("two housekeeping rounds").isNegative();
            long heartbeat = pool.statistics().heartbeatMillis();
            if (heartbeat != seen) {
                rounds++;
                seen = heartbeat;
            } else {
                Thread.sleep(50);
            }
        }
    }
}
