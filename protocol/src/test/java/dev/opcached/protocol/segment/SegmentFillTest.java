package dev.opcached.protocol.segment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.protocol.testing.TestPayloads;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Invariant 4: OPcache's accounting when the arena or the index fills up. */
class SegmentFillTest {
    @TempDir
    Path dir;

    private Segment segment;

    @AfterEach
    void close() throws Exception {
        segment.close();
    }

    private StoreOutcome store(int key, int size) {
        return segment.store(SegmentKey.of(TestPayloads.path(key)), TestPayloads.metadata(key, size),
                TestPayloads.payload(key, key, size));
    }

    @Test
    void fullArenaWithLittleWasteReportsCacheFullAndKeepsServing() throws Exception {
        segment = Segment.create(dir.resolve("s.seg"), new SegmentConfig(256 * 1024, 64, 10));
        int stored = 0;
        while (store(stored, 4000) == StoreOutcome.STORED) {
            stored++;
        }
        assertThat(stored).isGreaterThan(10);
        SegmentStatistics stats = segment.statistics();
        assertThat(stats.cacheFull()).isTrue();
        assertThat(stats.oomRestarts()).isZero();
        assertThat(stats.numCachedScripts()).isEqualTo(stored);
        assertThat(stats.freeMemory()).isLessThan(4000 + EntryLayout.HEADER_LENGTH + 100);
        for (int key = 0; key < stored; key++) {
            CachedEntry entry = segment.lookup(SegmentKey.of(TestPayloads.path(key)));
            assertThat(TestPayloads.problem(key, entry.metadata(), entry.copyPayload())).isNull();
        }
        assertThat(segment.verify().problems()).isEmpty();
    }

    @Test
    void fullArenaWithEnoughWasteRestartsForOom() throws Exception {
        segment = Segment.create(dir.resolve("s.seg"), new SegmentConfig(256 * 1024, 64, 10));
        int stored = 0;
        while (store(stored, 4000) == StoreOutcome.STORED) {
            stored++;
        }
        for (int key = 0; key < 8; key++) {
            assertThat(segment.invalidate(SegmentKey.of(TestPayloads.path(key)), true)).isTrue();
        }
        assertThat(segment.statistics().currentWastedPercentage()).isGreaterThanOrEqualTo(10);

        assertThat(store(1_000, 4000)).isEqualTo(StoreOutcome.STORED);

        SegmentStatistics stats = segment.statistics();
        assertThat(stats.oomRestarts()).isEqualTo(1);
        assertThat(stats.lastRestartReason()).isEqualTo(RestartReason.OOM);
        assertThat(stats.cacheFull()).isFalse();
        assertThat(stats.numCachedScripts()).isEqualTo(1);
        assertThat(stats.wastedMemory()).isZero();
        assertThat(segment.lookup(SegmentKey.of(TestPayloads.path(1_000)))).isNotNull();
        assertThat(segment.lookup(SegmentKey.of(TestPayloads.path(stored - 1)))).isNull();
    }

    @Test
    void fullIndexWithLittleWasteReportsCacheFull() throws Exception {
        segment = Segment.create(dir.resolve("s.seg"), new SegmentConfig(1 << 20, 8, 5));
        for (int key = 0; key < 8; key++) {
            assertThat(store(key, 10)).isEqualTo(StoreOutcome.STORED);
        }
        assertThat(store(8, 10)).isEqualTo(StoreOutcome.CACHE_FULL);
        assertThat(store(3, 10)).as("an existing key can still be replaced").isEqualTo(StoreOutcome.STORED);
        SegmentStatistics stats = segment.statistics();
        assertThat(stats.cacheFull()).isTrue();
        assertThat(stats.hashRestarts()).isZero();
        assertThat(stats.numCachedKeys()).isEqualTo(8);
        assertThat(stats.maxCachedKeys()).isEqualTo(8);
        assertThat(segment.beginCompile(SegmentKey.of(TestPayloads.path(9)), 1_000).kind())
                .isEqualTo(CompileClaim.Kind.UNTRACKED);
    }

    @Test
    void fullIndexWithEnoughWasteRestartsForHash() throws Exception {
        segment = Segment.create(dir.resolve("s.seg"), new SegmentConfig(64 * 1024, 8, 5));
        for (int key = 0; key < 8; key++) {
            assertThat(store(key, 3000)).isEqualTo(StoreOutcome.STORED);
        }
        segment.invalidate(SegmentKey.of(TestPayloads.path(0)), true);
        segment.invalidate(SegmentKey.of(TestPayloads.path(1)), true);
        assertThat(segment.statistics().currentWastedPercentage()).isGreaterThanOrEqualTo(5);

        assertThat(store(8, 10)).isEqualTo(StoreOutcome.STORED);

        SegmentStatistics stats = segment.statistics();
        assertThat(stats.hashRestarts()).isEqualTo(1);
        assertThat(stats.lastRestartReason()).isEqualTo(RestartReason.HASH);
        assertThat(stats.numCachedKeys()).isEqualTo(1);
        assertThat(segment.verify().problems()).isEmpty();
    }
}
