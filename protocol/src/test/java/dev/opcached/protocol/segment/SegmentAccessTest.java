package dev.opcached.protocol.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opcached.protocol.segment.processes.RawMappingWriter;
import dev.opcached.protocol.testing.ChildJvm;
import dev.opcached.protocol.testing.TestPayloads;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers attach as {@link SegmentAccess#READER}s: they map the segment file read-only and write
 * only the activity file, so nothing a worker runs can change what the pool has cached, and what
 * it can write there (figures, claims, restart requests) cannot empty the cache or stop a key's
 * revalidation.
 */
class SegmentAccessTest {
    @TempDir
    Path dir;
    private Path path;
    private Segment writer;
    private final SegmentKey key = SegmentKey.of(TestPayloads.path(1));

    @BeforeEach
    void create() throws Exception {
        path = dir.resolve("pool.seg");
        writer = Segment.create(path, new SegmentConfig(1 << 20, 64, 5));
        writer.store(key, TestPayloads.metadata(1, 10), TestPayloads.payload(1, 1, 10));
    }

    @AfterEach
    void close() throws Exception {
        writer.close();
    }

    @Test
    void aReaderCountsAndClaimsButWritesNoEntry() throws Exception {
        try (Segment reader = Segment.attach(path, SegmentAccess.READER)) {
            assertThat(reader.access()).isEqualTo(SegmentAccess.READER);
            CachedEntry entry = reader.lookup(key);
            assertThat(entry.copyPayload()).isEqualTo(TestPayloads.payload(1, 1, 10));
            assertThat(reader.lookup(SegmentKey.of("/nowhere.java"))).isNull();
            reader.countBlacklistMiss();

            SegmentStatistics seen = writer.statistics();
            assertThat(seen.hits()).isEqualTo(1);
            assertThat(seen.misses()).isEqualTo(1);
            assertThat(seen.blacklistMisses()).isEqualTo(1);
            assertThat(writer.scripts()).singleElement().satisfies(script -> assertThat(script.hits()).isEqualTo(1));

            SegmentKey other = SegmentKey.of(TestPayloads.path(2));
            assertReadOnly(() -> reader.store(other, TestPayloads.metadata(2, 10), TestPayloads.payload(2, 1, 10)));
            assertReadOnly(() -> reader.invalidate(key, true));
            assertReadOnly(() -> reader.invalidate(entry));
            assertReadOnly(() -> reader.invalidatePrefix("/"));
            assertReadOnly(reader::reset);
            assertReadOnly(() -> reader.beginCompile(other, 1_000));
            assertReadOnly(reader::countCompile);
            assertReadOnly(reader::clearStatCaches);
            assertReadOnly(reader::maintain);
            assertThat(writer.peek(key)).as("still the writer's entry").isNotNull();
            assertThat(writer.statistics().manualRestarts()).isZero();
        }
    }

    private static void assertReadOnly(Runnable write) {
        assertThatThrownBy(write::run).isInstanceOf(SegmentReadOnlyException.class)
                .hasMessageContaining("only the pool's writers");
    }

    @Test
    void rawMemoryWritesThroughAReadersMappingNeverReachTheFile() throws Exception {
        long generation = writer.statistics().generation();
        try (ChildJvm hostile = ChildJvm.start(RawMappingWriter.class, path.toString())) {
            hostile.awaitLine("^writing", Duration.ofSeconds(30));
            int exit = hostile.awaitExit(Duration.ofSeconds(60));
            assertThat(hostile.output()).as("the write returned").doesNotContain("wrote");
            assertThat(exit != 0 || hostile.output().contains("refused")).as(hostile.output()).isTrue();
        }
        assertThat(writer.statistics().generation()).isEqualTo(generation);
        assertThat(writer.lookup(key).copyPayload()).isEqualTo(TestPayloads.payload(1, 1, 10));
        assertThat(writer.verify().problems()).isEmpty();
    }

    @Test
    void aRestartRequestWithoutDamageDoesNotEmptyTheCache() throws Exception {
        // What a script could write into the activity file: a restart request for a sound segment.
        writeActivityInt(ActivityLayout.RESTART_PENDING_OFFSET, RestartReason.CORRUPTION.code());
        assertThat(writer.statistics().restartPending()).isEqualTo(RestartReason.CORRUPTION);

        writer.maintain();

        assertThat(writer.statistics().corruptionRestarts()).isZero();
        assertThat(writer.statistics().restartPending()).isEqualTo(RestartReason.NONE);
        assertThat(writer.peek(key)).as("still cached").isNotNull();

        // Written again at once (a script in a loop): cleared without another full scan.
        writeActivityInt(ActivityLayout.RESTART_PENDING_OFFSET, RestartReason.CORRUPTION.code());
        writer.maintain();
        assertThat(writer.statistics().restartPending()).isEqualTo(RestartReason.NONE);
        assertThat(writer.statistics().corruptionRestarts()).isZero();
    }

    @Test
    void aDamagedActivityHeaderIsPutBackByTheNextWriteSoThatWorkersCanStillAttach() throws Exception {
        writeActivityLong(ActivityLayout.SEGMENT_ID_OFFSET, 0x0BADL);
        assertThatThrownBy(() -> Segment.attach(path, SegmentAccess.READER)).isInstanceOfSatisfying(
                SegmentAttachException.class,
                e -> assertThat(e.failure()).isEqualTo(SegmentAttachException.Failure.FOREIGN_ACTIVITY));
        writer.maintain();
        try (Segment reader = Segment.attach(path, SegmentAccess.READER)) {
            assertThat(reader.lookup(key)).isNotNull();
        }
    }

    @Test
    void anObserverUsesOpenReadOnlyNotAttach() {
        assertThatThrownBy(() -> Segment.attach(path, SegmentAccess.OBSERVER))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("openReadOnly");
    }

    @Test
    void aRestartRequestForRealDamageStillRestarts() throws Exception {
        CachedEntry entry = writer.peek(key);
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.seek(entry.entryOffset() + EntryLayout.HEADER_LENGTH + key.utf8().length);
            file.write(0x5A);
        }
        try (Segment reader = Segment.attach(path, SegmentAccess.READER)) {
            assertThat(reader.lookup(key).copyPayload()).as("the checksum fails").isNull();
        }
        writer.maintain();
        assertThat(writer.statistics().corruptionRestarts()).isEqualTo(1);
    }

    @Test
    void aClaimPutFarAheadCannotStopRevalidation() throws Exception {
        try (Segment reader = Segment.attach(path, SegmentAccess.READER)) {
            CachedEntry entry = reader.lookup(key);
            long usage = UsageLayout.recordOf(SlotLayout.indexOf(entry.slotOffset()));
            writeActivityLong(usage + UsageLayout.REVALIDATE_AFTER_MILLIS_OFFSET, Long.MAX_VALUE);
            assertThat(reader.claimRevalidation(entry, 60_000)).as("a claim no period made is void").isTrue();
            assertThat(reader.claimRevalidation(entry, 60_000)).as("the next period's is held").isFalse();
        }
    }

    /** Workers' coarse clocks differ by milliseconds: an honest claim of a clock ahead still holds. */
    @Test
    void aClaimByAWorkerWhoseClockIsAheadHoldsForTheOthers() throws Exception {
        long now = System.currentTimeMillis();
        try (Segment ahead = Segment.attach(path, () -> now + 500, SegmentAccess.READER);
             Segment behind = Segment.attach(path, () -> now, SegmentAccess.READER)) {
            CachedEntry entry = ahead.lookup(key);
            assertThat(ahead.claimRevalidation(entry, 1_000)).isTrue();
            assertThat(behind.claimRevalidation(behind.lookup(key), 1_000)).as("claimed for this period").isFalse();
        }
    }

    private void writeActivityInt(long offset, int value) throws Exception {
        writeActivity(offset, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array());
    }

    private void writeActivityLong(long offset, long value) throws Exception {
        writeActivity(offset, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
    }

    private void writeActivity(long offset, byte[] bytes) throws Exception {
        try (RandomAccessFile file = new RandomAccessFile(SegmentFiles.activityPath(path).toFile(), "rw")) {
            file.seek(offset);
            file.write(bytes);
        }
    }
}
