package dev.opcached.protocol.segment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.protocol.segment.processes.StressReader;
import dev.opcached.protocol.segment.processes.StressWriter;
import dev.opcached.protocol.testing.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invariant 1: readers in several JVMs never see a torn or recycled entry while writers in other
 * JVMs store, replace, invalidate and reset. Every payload read is checked byte for byte.
 */
class SegmentConcurrencyTest {
    private static final int KEYS = 200;
    private static final long DURATION_MILLIS = 10_000;

    @TempDir
    Path dir;

    @Test
    void readersNeverSeeTornOrRecycledEntries() throws Exception {
        Path path = dir.resolve("stress.seg");
        // Small enough that the writers fill it: OOM restarts recycle the arena under the readers.
        try (Segment segment = Segment.create(path, new SegmentConfig(4 << 20, KEYS, 5))) {
            List<ChildJvm> readers = new ArrayList<>();
            List<ChildJvm> writers = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    readers.add(ChildJvm.start(StressReader.class, path.toString(), "" + KEYS, "" + DURATION_MILLIS, "3"));
                }
                for (int i = 0; i < 2; i++) {
                    writers.add(ChildJvm.start(StressWriter.class, path.toString(), "" + KEYS, "" + DURATION_MILLIS,
                            "" + (32 * 1024), "" + (17 + i)));
                }
                long verified = 0;
                long writes = 0;
                for (ChildJvm writer : writers) {
                    Matcher done = writer.awaitLine("^done stores=(\\d+) .*resets=(\\d+)", Duration.ofSeconds(90));
                    writes += Long.parseLong(done.group(1));
                    assertThat(writer.awaitExit(Duration.ofSeconds(30))).as(writer.output()).isZero();
                }
                for (ChildJvm reader : readers) {
                    Matcher result = reader.awaitLine("^result verified=(\\d+) stale=(\\d+) misses=(\\d+) current=(\\d+) torn=(\\d+)",
                            Duration.ofSeconds(90));
                    assertThat(result.group(5)).as("torn reads in %s:%n%s", reader, reader.output()).isEqualTo("0");
                    verified += Long.parseLong(result.group(1));
                    assertThat(reader.awaitExit(Duration.ofSeconds(30))).as(reader.output()).isZero();
                }
                assertThat(writes).as("stores made").isGreaterThan(1_000);
                assertThat(verified).as("payloads verified").isGreaterThan(1_000);
                SegmentStatistics stats = segment.statistics();
                assertThat(stats.manualRestarts() + stats.oomRestarts()).as("restarts under the readers").isPositive();
                assertThat(segment.verify().problems()).isEmpty();
            } finally {
                for (ChildJvm child : readers) {
                    child.close();
                }
                for (ChildJvm child : writers) {
                    child.close();
                }
            }
        }
    }
}
