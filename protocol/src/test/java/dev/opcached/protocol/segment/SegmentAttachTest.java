package dev.opcached.protocol.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opcached.protocol.segment.SegmentAttachException.Failure;
import dev.opcached.protocol.segment.processes.SegmentCreator;
import dev.opcached.protocol.testing.ChildJvm;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Invariant: attach refuses anything but a whole, private segment of a live creator, and says why. */
class SegmentAttachTest {
    @TempDir
    Path dir;

    private Path created() throws Exception {
        return created("pool.seg");
    }

    private Path created(String name) throws Exception {
        Path path = dir.resolve(name);
        Segment.create(path, new SegmentConfig(1 << 20, 64, 5)).close();
        return path;
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertAttachFails(Path path, Failure failure) {
        return assertThatThrownBy(() -> Segment.attach(path))
                .isInstanceOfSatisfying(SegmentAttachException.class, e -> assertThat(e.failure()).isEqualTo(failure))
                .hasMessageContaining(path.toString());
    }

    private static void overwrite(Path path, long offset, byte[] bytes) throws Exception {
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.seek(offset);
            file.write(bytes);
        }
    }

    @Test
    void missingFile() {
        assertAttachFails(dir.resolve("nope.seg"), Failure.MISSING).hasMessageContaining("no such file");
    }

    @Test
    void fileShorterThanTheHeader() throws Exception {
        Path path = Files.write(dir.resolve("short.seg"), new byte[100]);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        assertAttachFails(path, Failure.TRUNCATED).hasMessageContaining("100 bytes");
    }

    @Test
    void fileShorterThanItsHeaderSays() throws Exception {
        Path path = created();
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.setLength(512 * 1024);
        }
        assertAttachFails(path, Failure.TRUNCATED).hasMessageContaining("header says 1048576 bytes");
    }

    @Test
    void foreignFile() throws Exception {
        Path path = created();
        overwrite(path, HeaderLayout.MAGIC_OFFSET, "GARBAGE!".getBytes());
        assertAttachFails(path, Failure.BAD_MAGIC).hasMessageContaining("not an opcached segment");
    }

    @Test
    void otherLayoutVersion() throws Exception {
        Path path = created();
        overwrite(path, HeaderLayout.VERSION_OFFSET, new byte[] {9, 0, 0, 0});
        assertAttachFails(path, Failure.BAD_VERSION).hasMessageContaining("layout version 9");
    }

    @Test
    void halfCreatedFileIsNeverAttachedAndIsRemovedOnceItsCreatorIsGone() throws Exception {
        Path path = dir.resolve("www.999999999.0123456789abcdef.seg");
        Segment.create(path, new SegmentConfig(1 << 20, 64, 5)).close();
        overwrite(path, HeaderLayout.MAGIC_OFFSET, new byte[12]);
        assertAttachFails(path, Failure.NOT_INITIALISED).hasMessageContaining("never finished");
        overwrite(path, HeaderLayout.MAGIC_OFFSET, "OPCACHED".getBytes());
        assertAttachFails(path, Failure.NOT_INITIALISED);
        assertThat(SegmentFiles.removeAbandoned(dir)).as("pid 999999999 is not running").containsExactly(path);
    }

    @Test
    void contradictoryGeometry() throws Exception {
        Path path = created();
        overwrite(path, HeaderLayout.SLOT_COUNT_OFFSET, new byte[] {3, 0, 0, 0});
        assertAttachFails(path, Failure.CORRUPT_HEADER).hasMessageContaining("slot count 3");
    }

    @Test
    void fileWritableByGroupOrReadableByOthers() throws Exception {
        Path path = created();
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw----r--"));
        assertAttachFails(path, Failure.INSECURE_PERMISSIONS).hasMessageContaining("rw----r--");
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
        assertAttachFails(path, Failure.INSECURE_PERMISSIONS);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-----w-"));
        assertAttachFails(path, Failure.INSECURE_PERMISSIONS);
        // How the workers' group of a pool with `user` reads it: allowed, and only that.
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-r-----"));
        Segment.attach(path, SegmentAccess.READER).close();
    }

    @Test
    void activityFileMissingForeignOrOpenToOthers() throws Exception {
        Path path = created();
        Path activity = SegmentFiles.activityPath(path);
        Files.setPosixFilePermissions(activity, PosixFilePermissions.fromString("rw----r--"));
        assertAttachFails(path, Failure.INSECURE_PERMISSIONS).hasMessageContaining("activity file");
        Files.setPosixFilePermissions(activity, PosixFilePermissions.fromString("rwx------"));
        assertAttachFails(path, Failure.INSECURE_PERMISSIONS).hasMessageContaining("no execution");
        // How the workers' group of a pool with `user` counts into it: allowed.
        Files.setPosixFilePermissions(activity, PosixFilePermissions.fromString("rw-rw----"));
        Segment.attach(path, SegmentAccess.READER).close();

        Path other = created("other.seg");
        Files.move(SegmentFiles.activityPath(other), activity, StandardCopyOption.REPLACE_EXISTING);
        assertAttachFails(path, Failure.FOREIGN_ACTIVITY).hasMessageContaining("belongs to segment id");

        Files.delete(activity);
        assertAttachFails(path, Failure.MISSING).hasMessageContaining("activity file");
    }

    @Test
    void fileWhoseCreatorIsDeadIsRefusedAndRemovedAsAbandoned() throws Exception {
        Path path = dir.resolve("orphan.seg");
        try (ChildJvm creator = ChildJvm.start(SegmentCreator.class, path.toString())) {
            creator.awaitLine("^created", Duration.ofSeconds(30));
            Segment.attach(path).close();
            creator.kill();
            assertAttachFails(path, Failure.CREATOR_DEAD).hasMessageContaining("pid " + creator.pid());
        }
        try (SegmentReader stats = Segment.openReadOnly(path)) {
            assertThat(stats.statistics().numCachedScripts()).as("a dead pool's file can still be inspected").isZero();
        }
        Path live = created();
        assertThat(SegmentFiles.removeAbandoned(dir)).containsExactly(path);
        assertThat(path).doesNotExist();
        assertThat(live).exists();
    }

    @Test
    void segmentPathsAreNamedAfterThePoolAndProcessAndUnguessable() throws Exception {
        Path directory = SegmentFiles.ensureDirectory(dir.resolve("shm"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory))).isEqualTo("rwx------");
        Path first = SegmentFiles.newSegmentPath(directory, "www");
        assertThat(first.getFileName().toString()).matches("www\\." + ProcessHandle.current().pid() + "\\.[1-9][0-9]*\\.[0-9a-f]{16}\\.seg");
        assertThat(SegmentFiles.newSegmentPath(directory, "www")).isNotEqualTo(first);
        assertThatThrownBy(() -> SegmentFiles.newSegmentPath(directory, "../etc")).isInstanceOf(IllegalArgumentException.class);
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-x---"));
        assertThatThrownBy(() -> SegmentFiles.ensureDirectory(directory)).hasMessageContaining("chmod 700");
    }

    /** The machine's processes; asking about the creator truncates {@code path} first, as a truncation racing with attach would. */
    private static ProcessTable truncatingWhenAsked(Path path) {
        return new ProcessTable() {
            @Override
            public boolean isRunning(long pid) {
                try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
                    file.setLength(0);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return SYSTEM.isRunning(pid);
            }

            @Override
            public long startTicks(long pid) {
                return SYSTEM.startTicks(pid);
            }
        };
    }

    @Test
    void fileTruncatedWhileItsHeaderIsChecked() throws Exception {
        Path path = created();
        assertThatThrownBy(() -> Segment.attach(path, EpochClock.SYSTEM, truncatingWhenAsked(path), SegmentAccess.WRITER))
                .isInstanceOfSatisfying(SegmentAttachException.class,
                        e -> assertThat(e.failure()).isEqualTo(Failure.TRUNCATED))
                .hasMessageContaining("truncated while its header was checked");

        Segment.create(path.resolveSibling("other.seg"), new SegmentConfig(1 << 20, 64, 5)).close();
        assertThat(SegmentFiles.removeAbandoned(dir, truncatingWhenAsked(path.resolveSibling("other.seg"))))
                .as("the start of a pool goes on").isEmpty();
    }
}
