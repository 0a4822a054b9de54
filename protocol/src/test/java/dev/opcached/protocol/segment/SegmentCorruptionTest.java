package dev.opcached.protocol.segment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.protocol.admin.StatusReport;
import dev.opcached.protocol.admin.StatusResponse;
import dev.opcached.protocol.testing.TestPayloads;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invariant 3: damage written into the file from outside (another process, a stray write) yields
 * misses or whole, right entries; never an exception, never a read outside the mapping; where the
 * damage can be seen, a restart is scheduled and then counted.
 */
class SegmentCorruptionTest {
    private static final int KEYS = 60;
    private static final int SIZE = 1 << 20;

    @TempDir
    Path dir;

    private Segment segment;
    private RandomAccessFile file;

    @BeforeEach
    void create() throws Exception {
        segment = Segment.create(dir.resolve("s.seg"), new SegmentConfig(SIZE, 128, 5));
        file = new RandomAccessFile(segment.path().toFile(), "rw");
        populate();
    }

    @AfterEach
    void close() throws Exception {
        file.close();
        segment.close();
    }

    private void populate() {
        for (int key = 0; key < KEYS; key++) {
            int size = 10 + key * 97;
            assertThat(segment.store(SegmentKey.of(TestPayloads.path(key)), TestPayloads.metadata(key, size),
                    TestPayloads.payload(key, key, size))).isEqualTo(StoreOutcome.STORED);
        }
    }

    private void write(long offset, byte[] bytes) throws Exception {
        file.seek(offset);
        file.write(bytes);
    }

    private void writeLong(long offset, long value) throws Exception {
        write(offset, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
    }

    private long slotOf(int key) {
        CachedEntry entry = segment.peek(SegmentKey.of(TestPayloads.path(key)));
        return entry.slotOffset();
    }

    /** Looks every key up and checks that what comes back is a miss or exactly what was stored. */
    private int readEverything() {
        int whole = 0;
        for (int key = 0; key < KEYS + 10; key++) {
            CachedEntry entry = segment.lookup(SegmentKey.of(TestPayloads.path(key)));
            if (entry == null) {
                continue;
            }
            assertThat(key).as("a key never stored was found").isLessThan(KEYS);
            segment.hitIfCurrent(entry);
            byte[] payload = entry.copyPayload();
            if (payload != null) {
                assertThat(TestPayloads.problem(key, entry.metadata(), payload)).isNull();
                whole++;
            }
        }
        segment.statistics();
        segment.scripts();
        return whole;
    }

    @Test
    void badMagicMakesMissesAndARestartThatRepairsTheHeader() throws Exception {
        write(HeaderLayout.MAGIC_OFFSET, "XXXXXXXX".getBytes());
        assertThat(readEverything()).isZero();
        assertThat(segment.statistics().restartPending()).isEqualTo(RestartReason.CORRUPTION);

        segment.maintain();

        SegmentStatistics stats = segment.statistics();
        assertThat(stats.corruptionRestarts()).isEqualTo(1);
        assertThat(stats.restartPending()).isEqualTo(RestartReason.NONE);
        assertThat(segment.verify().problems()).isEmpty();
        populate();
        assertThat(readEverything()).isEqualTo(KEYS);
        Segment.attach(segment.path()).close();
    }

    @Test
    void entryOffsetOutOfRangeIsAMissAndSchedulesARestart() throws Exception {
        long slot = slotOf(5);
        long generation = segment.statistics().generation();
        writeLong(slot + SlotLayout.REF_OFFSET, SlotLayout.ref(generation, SIZE - 8));
        assertThat(segment.lookup(SegmentKey.of(TestPayloads.path(5)))).isNull();
        assertThat(segment.statistics().restartPending()).isEqualTo(RestartReason.CORRUPTION);
        writeLong(slot + SlotLayout.REF_OFFSET, SlotLayout.ref(generation, Integer.MAX_VALUE & ~7));
        assertThat(segment.lookup(SegmentKey.of(TestPayloads.path(5)))).isNull();
        assertThat(readEverything()).isEqualTo(KEYS - 1);

        segment.maintain();
        assertThat(segment.statistics().corruptionRestarts()).isEqualTo(1);
    }

    @Test
    void checksumMismatchIsAMissAndSchedulesARestart() throws Exception {
        CachedEntry entry = segment.lookup(SegmentKey.of(TestPayloads.path(7)));
        long payloadAt = entry.entryOffset() + EntryLayout.HEADER_LENGTH + TestPayloads.path(7).length() + 20;
        file.seek(payloadAt);
        int original = file.read();
        write(payloadAt, new byte[] {(byte) (original ^ 0x55)});

        assertThat(entry.copyPayload()).isNull();
        assertThat(segment.statistics().restartPending()).isEqualTo(RestartReason.CORRUPTION);
        assertThat(segment.verify().problems()).first().asString().contains("damaged entry");

        segment.maintain();
        assertThat(segment.statistics().corruptionRestarts()).isEqualTo(1);
        assertThat(segment.lookup(SegmentKey.of(TestPayloads.path(7)))).isNull();
    }

    @Test
    void damagedCountersAreRecountedByTheNextWriter() throws Exception {
        long wasted = segment.statistics().wastedMemory();
        write(HeaderLayout.CACHED_SCRIPTS_OFFSET, new byte[] {-1, -1, 0, 0});
        segment.maintain();
        assertThat(segment.statistics().numCachedScripts()).isEqualTo(KEYS);
        assertThat(segment.statistics().wastedMemory()).isEqualTo(wasted);
        assertThat(segment.statistics().recoveries()).isEqualTo(1);
        assertThat(segment.verify().problems()).isEmpty();
    }

    @Test
    void randomBytesAnywhereNeverThrowAndNeverYieldAWrongEntry() throws Exception {
        long arenaOffset = new SegmentConfig(SIZE, 128, 5).arenaOffset();
        long arenaUsed = arenaOffset + segment.statistics().usedMemory();
        SplittableRandom random = new SplittableRandom(2026);
        int restartsSeen = 0;
        for (int round = 0; round < 300; round++) {
            int region = round % 3;
            int spots = 1 + random.nextInt(4);
            for (int spot = 0; spot < spots; spot++) {
                long offset = switch (region) {
                    case 0 -> random.nextLong(HeaderLayout.LENGTH);
                    case 1 -> random.nextLong(HeaderLayout.LENGTH, arenaOffset);
                    default -> random.nextLong(arenaOffset, arenaUsed);
                };
                byte[] garbage = new byte[1 + random.nextInt(16)];
                random.nextBytes(garbage);
                write(offset, garbage);
            }

            readEverything();
            segment.maintain();
            readEverything();
            if (segment.statistics().corruptionRestarts() > restartsSeen) {
                restartsSeen++;
            }

            segment.reset();
            assertThat(segment.verify().problems()).as("round %d", round).isEmpty();
            populate();
            assertThat(readEverything()).as("round %d", round).isEqualTo(KEYS);
        }
        assertThat(segment.statistics().corruptionRestarts()).as("visible damage was counted").isPositive();
    }

    @Test
    void figuresFromADamagedHeaderAreUnknownUntilTheNextWriterRepairsThem() throws Exception {
        for (int key = 0; key < KEYS; key++) {
            segment.lookup(SegmentKey.of(TestPayloads.path(key)));
        }
        // What the hostile test saw: a hit rate of -130.80 % and a start time in the year 64,570,773.
        try (RandomAccessFile activity = new RandomAccessFile(SegmentFiles.activityPath(segment.path()).toFile(), "rw")) {
            activity.seek(ActivityLayout.STRIPES_OFFSET + ActivityLayout.STRIPE_HITS);
            activity.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(-1_000_000).array());
        }
        writeLong(HeaderLayout.START_TIME_MILLIS_OFFSET, 2_037_644_190_000_000_000L);
        writeLong(HeaderLayout.LAST_RESTART_MILLIS_OFFSET, -5);
        writeLong(HeaderLayout.MANUAL_RESTARTS_OFFSET, Long.MIN_VALUE);
        write(HeaderLayout.USED_KEYS_OFFSET, new byte[] {-1, -1, -1, 127});

        SegmentStatistics damaged = segment.statistics();
        assertThat(damaged.hits()).isEqualTo(SegmentStatistics.UNKNOWN);
        assertThat(damaged.hitRate()).isEqualTo(SegmentStatistics.UNKNOWN);
        assertThat(damaged.startTimeMillis()).isEqualTo(SegmentStatistics.UNKNOWN);
        assertThat(damaged.lastRestartTimeMillis()).isEqualTo(SegmentStatistics.UNKNOWN);
        assertThat(damaged.manualRestarts()).isEqualTo(SegmentStatistics.UNKNOWN);
        assertThat(damaged.numCachedKeys()).isEqualTo(-1);
        assertThat(damaged.misses()).isZero();
        StatusResponse status = StatusReport.of(segment, false, List.of());
        assertThat(status.opcacheStatistics().opcacheHitRate()).as("unknown").isNull();
        assertThat(status.opcacheStatistics().startTime()).as("unknown").isNull();

        segment.maintain();

        SegmentStatistics repaired = segment.statistics();
        assertThat(repaired.hits()).isNotNegative();
        assertThat(repaired.hitRate()).isBetween(0.0, 100.0);
        assertThat(repaired.startTimeMillis()).isPositive().isLessThanOrEqualTo(System.currentTimeMillis());
        assertThat(repaired.lastRestartTimeMillis()).isNotNegative();
        assertThat(repaired.manualRestarts()).isZero();
        assertThat(repaired.numCachedKeys()).isEqualTo(KEYS);
        assertThat(segment.verify().problems()).isEmpty();
    }
}
