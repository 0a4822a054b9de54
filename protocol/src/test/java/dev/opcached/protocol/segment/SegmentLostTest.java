package dev.opcached.protocol.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opcached.protocol.segment.processes.LostReader;
import dev.opcached.protocol.testing.ChildJvm;
import dev.opcached.protocol.testing.TestPayloads;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 12: a segment file truncated under its processes makes every operation fail with one
 * typed exception (not the JVM's InternalError for a fault on a mapping); a deleted or replaced
 * file is noticed by {@link Segment#intact()}; a replacement segment carries the counters over.
 */
class SegmentLostTest {
    private static final int KEYS = 20;

    @TempDir
    Path dir;

    private Path path;
    private Segment segment;

    @BeforeEach
    void create() throws Exception {
        path = dir.resolve("pool.seg");
        segment = Segment.create(path, new SegmentConfig(1 << 20, 64, 5));
        for (int key = 0; key < KEYS; key++) {
            segment.store(SegmentKey.of(TestPayloads.path(key)), TestPayloads.metadata(key, 100),
                    TestPayloads.payload(key, key, 100));
        }
    }

    @AfterEach
    void close() throws Exception {
        segment.close();
    }

    private void truncate(long length) throws Exception {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
            channel.truncate(length);
        }
    }

    private static void assertLost(ThrowingCallable operation) {
        assertThatThrownBy(operation).isInstanceOf(SegmentLostException.class).hasMessageContaining("is lost");
    }

    @Test
    void everyOperationOnATruncatedFileThrowsSegmentLost() throws Exception {
        SegmentKey key = SegmentKey.of(TestPayloads.path(3));
        CachedEntry held = segment.lookup(key);
        assertThat(segment.intact()).isTrue();
        try (SegmentReader observer = Segment.openReadOnly(path)) {
            truncate(0);

            assertLost(segment::statistics);
            assertThat(segment.intact()).isFalse();
            assertLost(() -> segment.lookup(key));
            assertLost(() -> segment.peek(key));
            assertLost(() -> segment.hitIfCurrent(held));
            assertLost(held::copyPayload);
            assertLost(() -> segment.store(key, TestPayloads.metadata(3, 10), TestPayloads.payload(3, 3, 10)));
            assertLost(() -> segment.invalidate(key, true));
            assertLost(segment::reset);
            assertLost(segment::maintain);
            assertLost(() -> segment.beginCompile(key, 1_000));
            assertLost(segment::statistics);
            assertLost(segment::scripts);
            assertLost(segment::heartbeat);
            assertLost(segment::countCompile);
            assertLost(observer::statistics);
            assertLost(() -> observer.peek(key));
            assertThat(observer.intact()).isFalse();
        }
    }

    @Test
    void aReadThatFaultsIsTranslated() throws Exception {
        SegmentKey key = SegmentKey.of(TestPayloads.path(3));
        truncate(0);
        // The first access after the cut, with no length check before it: the fault itself is translated.
        assertThatThrownBy(() -> segment.peek(key)).isInstanceOf(SegmentLostException.class)
                .hasCauseInstanceOf(InternalError.class);
        assertLost(() -> segment.lookup(key));
    }

    @Test
    void aReaderInAnotherJvmLearnsOfTheLossInsteadOfFaultingForEver() throws Exception {
        try (ChildJvm reader = ChildJvm.start(LostReader.class, path.toString(), TestPayloads.path(3))) {
            reader.awaitLine("^reading", Duration.ofSeconds(60));
            truncate(4096);
            String outcome = reader.awaitLine("^(lost|other).*$", Duration.ofSeconds(60)).group();
            assertThat(outcome).as(reader.output()).startsWith("lost");
        }
    }

    @Test
    void aDeletedFileStillServesButIsNoLongerIntact() throws Exception {
        SegmentKey key = SegmentKey.of(TestPayloads.path(3));
        Files.delete(path);
        assertThat(segment.intact()).isFalse();
        assertThat(segment.lookup(key).copyPayload()).as("the mapping keeps the deleted file").isNotNull();

        Files.delete(SegmentFiles.activityPath(path));
        Segment.create(path, new SegmentConfig(1 << 20, 64, 5)).close();
        assertThat(segment.intact()).as("another file at the same path").isFalse();
    }

    @Test
    void aReplacementStartsWithTheLostSegmentsCounters() throws Exception {
        segment.reset();
        segment.lookup(SegmentKey.of(TestPayloads.path(1)));
        segment.countCompile();
        SegmentStatistics last = segment.statistics();
        truncate(0);
        segment.close();
        Files.delete(path);

        Path next = dir.resolve("pool-2.seg");
        try (Segment replacement = Segment.create(next, new SegmentConfig(1 << 20, 64, 5), EpochClock.SYSTEM, last,
                RestartReason.LOST)) {
            SegmentStatistics stats = replacement.statistics();
            assertThat(stats.lostRestarts()).isEqualTo(1);
            assertThat(stats.lastRestartReason()).isEqualTo(RestartReason.LOST);
            assertThat(stats.lastRestartReason().label()).isEqualTo("segment_lost");
            assertThat(stats.lastRestartTimeMillis()).isPositive();
            assertThat(stats.manualRestarts()).isEqualTo(1);
            assertThat(stats.stores()).isEqualTo(KEYS);
            assertThat(stats.misses()).isEqualTo(1);
            assertThat(stats.compiles()).isEqualTo(1);
            assertThat(stats.startTimeMillis()).isEqualTo(last.startTimeMillis());
            assertThat(stats.numCachedScripts()).isZero();
            assertThat(replacement.verify().problems()).isEmpty();
            Segment.attach(next).close();
        }
    }
}
