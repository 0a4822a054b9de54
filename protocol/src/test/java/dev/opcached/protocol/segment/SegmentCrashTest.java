package dev.opcached.protocol.segment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.protocol.segment.processes.KillableWriter;
import dev.opcached.protocol.segment.processes.SteadyWriter;
import dev.opcached.protocol.testing.ChildJvm;
import dev.opcached.protocol.testing.TestPayloads;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invariant 2: a writer killed with SIGKILL at any point leaves the lock free (the others keep
 * storing within a second) and the segment consistent (at most wasted bytes).
 */
class SegmentCrashTest {
    private static final int KILLS = 25;

    @TempDir
    Path dir;

    @Test
    void writersKilledMidStoreNeitherBlockOthersNorDamageTheSegment() throws Exception {
        Path path = dir.resolve("crash.seg");
        try (Segment segment = Segment.create(path, new SegmentConfig(32 << 20, 512, 5));
             ChildJvm steady = ChildJvm.start(SteadyWriter.class, path.toString(), "1000", "50")) {
            steady.awaitLine("^ready", Duration.ofSeconds(30));
            SplittableRandom random = new SplittableRandom(42);
            for (int kill = 0; kill < KILLS; kill++) {
                try (ChildJvm victim = ChildJvm.start(KillableWriter.class, path.toString(), "200", "" + kill)) {
                    victim.awaitLine("^ready", Duration.ofSeconds(30));
                    // Not waiting for anything: a random instant at which to kill it.
                    Thread.sleep(random.nextInt(20, 300));
                    victim.kill();
                }
                // The test JVM writes too: a store right after the kill must get the lock at once.
                int key = 2_000 + kill;
                assertThat(segment.store(SegmentKey.of(TestPayloads.path(key)), TestPayloads.metadata(kill, 10),
                        TestPayloads.payload(key, kill, 10))).isEqualTo(StoreOutcome.STORED);
            }
            steady.closeStdin();
            Matcher done = steady.awaitLine("^done stores=(\\d+) maxGapMillis=(\\d+)", Duration.ofSeconds(30));
            assertThat(Long.parseLong(done.group(1))).isPositive();
            assertThat(Long.parseLong(done.group(2))).as("longest pause of the steady writer, ms").isLessThan(1_000);

            segment.maintain();
            SegmentVerification verification = segment.verify();
            assertThat(verification.problems()).isEmpty();
            assertThat(verification.scripts()).isPositive();
            for (int key = 1_000; key < 1_050; key++) {
                CachedEntry entry = segment.lookup(SegmentKey.of(TestPayloads.path(key)));
                if (entry != null) {
                    byte[] payload = entry.copyPayload();
                    assertThat(payload).isNotNull();
                    assertThat(TestPayloads.problem(key, entry.metadata(), payload)).isNull();
                }
            }
            SegmentStatistics stats = segment.statistics();
            assertThat(stats.usedMemory() + stats.freeMemory() + stats.wastedMemory()).isEqualTo(stats.memoryConsumption());
            assertThat(stats.recoveries()).as("writes found interrupted by a kill and recovered").isPositive();
        }
    }
}
