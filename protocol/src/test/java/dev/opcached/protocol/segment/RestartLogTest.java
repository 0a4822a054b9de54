package dev.opcached.protocol.segment;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The segment's restart log: what /status shows as restart_history (docs/segment-format.md §5). */
class RestartLogTest {
    @TempDir
    Path dir;

    @Test
    void aNewSegmentHasNoRestartsAndEachResetIsLoggedWithItsTimeAndGeneration() throws Exception {
        AtomicLong now = new AtomicLong(1_700_000_000_000L);
        try (Segment segment = Segment.create(dir.resolve("log.seg"), new SegmentConfig(1 << 20, 64, 5), now::get)) {
            assertThat(segment.reader().restartLog()).isEmpty();
            now.addAndGet(1_000);
            long first = segment.reset();
            now.addAndGet(1_000);
            long second = segment.reset();
            assertThat(segment.reader().restartLog()).containsExactly(
                    new RestartRecord(1_700_000_001_000L, first, RestartReason.MANUAL),
                    new RestartRecord(1_700_000_002_000L, second, RestartReason.MANUAL));
        }
    }

    @Test
    void theLogKeepsTheLast31RestartsOldestFirst() throws Exception {
        AtomicLong now = new AtomicLong(1_700_000_000_000L);
        try (Segment segment = Segment.create(dir.resolve("ring.seg"), new SegmentConfig(1 << 20, 64, 5), now::get)) {
            for (int i = 0; i < 40; i++) {
                now.addAndGet(1_000);
                segment.reset();
            }
            List<RestartRecord> log = segment.reader().restartLog();
            assertThat(log).hasSize(HeaderLayout.RESTART_LOG_RECORDS - 1);
            assertThat(log.get(log.size() - 1).generation()).isEqualTo(segment.statistics().generation());
            assertThat(log.get(0).generation()).isEqualTo(segment.statistics().generation() - 30);
            assertThat(log).isSortedAccordingTo((a, b) -> Long.compare(a.millis(), b.millis()));
        }
    }

    @Test
    void aSegmentThatReplacesALostOneGoesOnWithItsLogThenThatRestart() throws Exception {
        SegmentStatistics old;
        List<RestartRecord> oldLog;
        try (Segment segment = Segment.create(dir.resolve("lost.seg"), new SegmentConfig(1 << 20, 64, 5))) {
            segment.reset();
            old = segment.statistics();
            oldLog = segment.reader().restartLog();
        }
        try (Segment renewed = Segment.create(dir.resolve("renewed.seg"), new SegmentConfig(1 << 20, 64, 5),
                EpochClock.SYSTEM, old, oldLog, RestartReason.LOST)) {
            assertThat(renewed.reader().restartLog()).extracting(RestartRecord::reason)
                    .containsExactly(RestartReason.MANUAL, RestartReason.LOST);
        }
        try (Segment fresh = Segment.create(dir.resolve("fresh.seg"), new SegmentConfig(1 << 20, 64, 5),
                EpochClock.SYSTEM, old, RestartReason.LOST)) {
            assertThat(fresh.reader().restartLog()).extracting(RestartRecord::reason).containsExactly(RestartReason.LOST);
        }
    }

    @Test
    void aDamagedRecordIsLeftOutNotReported() throws Exception {
        try (Segment segment = Segment.create(dir.resolve("damaged.seg"), new SegmentConfig(1 << 20, 64, 5))) {
            segment.reset();
            segment.reset();
            // Damage through the mapping, as a stray write would: the first record's reason becomes unknown.
            segment.file().bytes().writeInt(HeaderLayout.restartRecordOffset(0) + HeaderLayout.RESTART_RECORD_REASON, 99);
            assertThat(segment.reader().restartLog()).hasSize(1)
                    .first().extracting(RestartRecord::generation).isEqualTo(segment.statistics().generation());
        }
    }
}
