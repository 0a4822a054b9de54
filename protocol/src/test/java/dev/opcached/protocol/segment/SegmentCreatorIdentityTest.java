package dev.opcached.protocol.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opcached.protocol.segment.processes.SegmentCreator;
import dev.opcached.protocol.testing.ChildJvm;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 10: a segment's creator is identified by pid and start time in clock ticks since boot,
 * compared exactly. A wall-clock step cannot change that identity, so a starting pool never
 * removes a live pool's segment; a dead creator's, or one whose pid now belongs to another
 * process, is still removed.
 */
class SegmentCreatorIdentityTest {
    @TempDir
    Path dir;

    private static long headerLong(Path path, int offset) throws Exception {
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "r")) {
            byte[] bytes = new byte[8];
            file.seek(offset);
            file.readFully(bytes);
            return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        }
    }

    /** The machine's processes, except that {@code pid} reports other start ticks: its pid was reused. */
    private static ProcessTable reused(long pid) {
        return new ProcessTable() {
            @Override
            public boolean isRunning(long candidate) {
                return SYSTEM.isRunning(candidate);
            }

            @Override
            public long startTicks(long candidate) {
                long ticks = SYSTEM.startTicks(candidate);
                return candidate == pid ? ticks + 1 : ticks;
            }
        };
    }

    /** The machine's processes, except that no start time can be read (another OS, a hidden /proc). */
    private static final ProcessTable NO_START_TIMES = new ProcessTable() {
        @Override
        public boolean isRunning(long pid) {
            return SYSTEM.isRunning(pid);
        }

        @Override
        public long startTicks(long pid) {
            return 0;
        }
    };

    @Test
    void theHeaderAndTheNameRecordTheCreatorsStartTicks() throws Exception {
        long pid = ProcessHandle.current().pid();
        long ticks = ProcessTable.SYSTEM.startTicks(pid);
        assertThat(ticks).as("/proc/self/stat field 22").isPositive();
        Path path = SegmentFiles.newSegmentPath(dir, "www");
        assertThat(path.getFileName().toString()).startsWith("www." + pid + "." + ticks + ".");
        Segment.create(path, new SegmentConfig(1 << 20, 64, 5)).close();
        assertThat(headerLong(path, HeaderLayout.CREATOR_PID_OFFSET)).isEqualTo(pid);
        assertThat(headerLong(path, HeaderLayout.CREATOR_START_TICKS_OFFSET)).isEqualTo(ticks);
    }

    @Test
    void aLivePoolsSegmentIsKeptWhateverTheWallClockSays() throws Exception {
        Path path = dir.resolve("live.seg");
        try (ChildJvm creator = ChildJvm.start(SegmentCreator.class, path.toString())) {
            creator.awaitLine("^created", Duration.ofSeconds(30));
            long now = System.currentTimeMillis();
            for (long step : new long[] {-8_000, 8_000, -3_600_000, 3_600_000}) {
                // The check reads no clock at all: attaching with a clock moved either way still finds the creator.
                Segment.attach(path, () -> now + step).close();
            }
            assertThat(SegmentFiles.removeAbandoned(dir)).isEmpty();
            assertThat(SegmentFiles.removeAbandoned(dir, NO_START_TIMES)).as("a live pid without proof").isEmpty();
            assertThat(path).exists();

            assertThat(SegmentFiles.removeAbandoned(dir, reused(creator.pid())))
                    .as("the pid runs, but started at another tick: another process").containsExactly(path);
        }
    }

    @Test
    void aDeadCreatorsSegmentIsRemoved() throws Exception {
        Path path = dir.resolve("dead.seg");
        try (ChildJvm creator = ChildJvm.start(SegmentCreator.class, path.toString())) {
            creator.awaitLine("^created", Duration.ofSeconds(30));
            creator.kill();
        }
        assertThatThrownBy(() -> Segment.attach(path)).isInstanceOf(SegmentAttachException.class)
                .hasMessageContaining("CREATOR_DEAD");
        assertThat(SegmentFiles.removeAbandoned(dir)).containsExactly(path);
        assertThat(Files.exists(path)).isFalse();
    }

    @Test
    void aHalfMadeFileNamedAfterAReusedPidIsRemoved() throws Exception {
        long pid = ProcessHandle.current().pid();
        long ticks = ProcessTable.SYSTEM.startTicks(pid);
        Path path = dir.resolve("www." + pid + "." + (ticks + 1) + ".0123456789abcdef.seg");
        Segment.create(path, new SegmentConfig(1 << 20, 64, 5)).close();
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.seek(HeaderLayout.MAGIC_OFFSET);
            file.write(new byte[12]);
        }
        assertThat(SegmentFiles.removeAbandoned(dir)).as("our pid, another start tick").containsExactly(path);
    }

    @Test
    void damagedCreatorFieldsNeitherStopAttachNorLetTheSegmentBeRemoved() throws Exception {
        long pid = ProcessHandle.current().pid();
        long ticks = ProcessTable.SYSTEM.startTicks(pid);
        Path path = SegmentFiles.newSegmentPath(dir, "www");
        try (Segment created = Segment.create(path, new SegmentConfig(1 << 20, 64, 5))) {
            try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
                file.seek(HeaderLayout.CREATOR_START_TICKS_OFFSET);
                file.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(ticks + 7).array());
            }

            Segment.attach(path).close();
            assertThat(SegmentFiles.removeAbandoned(dir)).as("the name says the creator lives").isEmpty();
            assertThat(path).exists();

            created.maintain();
            assertThat(headerLong(path, HeaderLayout.CREATOR_PID_OFFSET)).isEqualTo(pid);
            assertThat(headerLong(path, HeaderLayout.CREATOR_START_TICKS_OFFSET)).isEqualTo(ticks);
        }
    }
}
