package dev.opcached.daemon.filecache;

import static dev.opcached.daemon.filecache.FileCacheFixture.body;
import static dev.opcached.daemon.filecache.FileCacheFixture.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.opcached.protocol.unit.Sha256;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whoever can write the cache directory cannot make a read return anything but what this key
 * sealed for that key and namespace: every tampering is a miss, a rejection, one log line and a
 * removed file, never an exception.
 */
class FileCachePoisoningTest {
    @TempDir
    Path root;
    FileCacheFixture fixture;
    FileCache cache;

    @BeforeEach
    void open() throws Exception {
        fixture = new FileCacheFixture(root);
        cache = fixture.open();
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    private void assertRejected(Namespace namespace, Sha256 key, long rejectionsBefore) {
        assertThat(cache.read(namespace, key)).isEmpty();
        assertThat(cache.statistics().rejections()).isEqualTo(rejectionsBefore + 1);
        assertThat(fixture.file(namespace, key)).doesNotExist();
    }

    @Test
    void aRoundTripReturnsTheBodyAndCounts() {
        byte[] body = body(1, 100);
        assertThat(cache.read(Namespace.UNIT, key(1))).isEmpty();
        cache.write(Namespace.UNIT, key(1), body);
        cache.write(Namespace.SOURCE, key(1), body(2, 10));
        assertThat(cache.read(Namespace.UNIT, key(1))).hasValueSatisfying(b -> assertThat(b).isEqualTo(body));
        assertThat(cache.read(Namespace.SOURCE, key(1))).hasValueSatisfying(b -> assertThat(b).isEqualTo(body(2, 10)));
        cache.write(Namespace.UNIT, key(2), new byte[0]);
        assertThat(cache.read(Namespace.UNIT, key(2))).hasValueSatisfying(b -> assertThat(b).isEmpty());
        assertThat(cache.statistics()).isEqualTo(new FileCacheStatistics(3, 1, 3, 0, 0, 0,
                3L * EntryFormat.OVERHEAD + 110, 3));
    }

    @Test
    void aFlippedByteAnywhereIsRejected() throws Exception {
        byte[] body = body(1, 16);
        int length = EntryFormat.OVERHEAD + body.length;
        for (int offset = 0; offset < length; offset++) {
            cache.write(Namespace.UNIT, key(1), body);
            try (RandomAccessFile file = new RandomAccessFile(fixture.file(Namespace.UNIT, key(1)).toFile(), "rw")) {
                file.seek(offset);
                int original = file.read();
                file.seek(offset);
                file.write(original ^ 0x01);
            }
            assertRejected(Namespace.UNIT, key(1), offset);
        }
        assertThat(cache.statistics().hits()).isZero();
    }

    @Test
    void aTruncatedFileIsRejected() throws Exception {
        byte[] body = body(1, 16);
        int length = EntryFormat.OVERHEAD + body.length;
        long rejections = 0;
        for (int kept : new int[] {0, 1, EntryFormat.HEADER_LENGTH, EntryFormat.OVERHEAD - 1, EntryFormat.OVERHEAD, length - 1}) {
            cache.write(Namespace.UNIT, key(1), body);
            try (RandomAccessFile file = new RandomAccessFile(fixture.file(Namespace.UNIT, key(1)).toFile(), "rw")) {
                file.setLength(kept);
            }
            assertRejected(Namespace.UNIT, key(1), rejections++);
        }
    }

    @Test
    void anEntryCopiedUnderAnotherKeyIsRejected() throws Exception {
        cache.write(Namespace.UNIT, key(1), body(1, 20));
        Files.copy(fixture.file(Namespace.UNIT, key(1)), fixture.file(Namespace.UNIT, key(2)));
        assertRejected(Namespace.UNIT, key(2), 0);
        assertThat(cache.read(Namespace.UNIT, key(1))).isPresent();
        assertThat(fixture.rejectionLines()).singleElement().asString().contains(key(2).hex())
                .contains("sealed for key " + key(1).hex());
    }

    @Test
    void anEntryMovedToTheOtherNamespaceIsRejected() throws Exception {
        cache.write(Namespace.UNIT, key(1), body(1, 20));
        Files.move(fixture.file(Namespace.UNIT, key(1)), fixture.file(Namespace.SOURCE, key(1)));
        assertRejected(Namespace.SOURCE, key(1), 0);
        assertThat(fixture.rejectionLines()).singleElement().asString().contains("sealed for namespace 1");
    }

    @Test
    void anEntrySealedWithAnotherKeyIsRejected() throws Exception {
        SealKey other = SealKey.of(new byte[SealKey.LENGTH]);
        Files.write(fixture.file(Namespace.UNIT, key(1)), EntryFormat.seal(other, Namespace.UNIT, key(1), body(1, 20)));
        assertRejected(Namespace.UNIT, key(1), 0);
        assertThat(fixture.rejectionLines()).singleElement().asString().contains("bad seal");
    }

    @Test
    void aDirectoryInAnEntrysPlaceIsRejected() throws Exception {
        Files.createDirectory(fixture.file(Namespace.UNIT, key(1)));
        assertRejected(Namespace.UNIT, key(1), 0);
        assertThat(fixture.rejectionLines()).singleElement().asString().contains("a directory");
    }

    @Test
    void aSymbolicLinkInAnEntrysPlaceIsRejectedEvenToASoundEntry() throws Exception {
        cache.write(Namespace.UNIT, key(1), body(1, 20));
        Path elsewhere = root.resolve("elsewhere");
        Files.move(fixture.file(Namespace.UNIT, key(1)), elsewhere);
        Files.createSymbolicLink(fixture.file(Namespace.UNIT, key(1)), elsewhere);
        assertRejected(Namespace.UNIT, key(1), 0);
        assertThat(elsewhere).exists();
        assertThat(fixture.rejectionLines()).singleElement().asString().contains("a symbolic link");
    }

    @Test
    void aFifoInAnEntrysPlaceIsRejectedWithoutBlocking() throws Exception {
        Path fifo = fixture.file(Namespace.UNIT, key(1));
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertThat(mkfifo.waitFor()).isZero();
        Optional<byte[]> read = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> cache.read(Namespace.UNIT, key(1)));
        assertThat(read).isEmpty();
        assertThat(cache.statistics().rejections()).isEqualTo(1);
        assertThat(fifo).doesNotExist();
        assertThat(fixture.rejectionLines()).singleElement().asString().contains("a FIFO");
    }

    @Test
    void aFifoSwappedInAfterTheCheckIsOpenedWithoutBlockingAndReadsAsEmpty() throws Exception {
        // The race the lstat cannot close: the open itself must not wait for a writer.
        Path fifo = fixture.file(Namespace.UNIT, key(1));
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor()).isZero();
        byte[] content = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> cache.readBounded(fifo));
        assertThat(content).isEmpty();
    }

    @Test
    void aFileOverTheBoundIsRejectedWithoutBeingRead() throws Exception {
        // Sparse: reading it whole would take 4 GiB of heap, more than the test JVM has.
        try (RandomAccessFile file = new RandomAccessFile(fixture.file(Namespace.UNIT, key(1)).toFile(), "rw")) {
            file.setLength(4L << 30);
        }
        assertRejected(Namespace.UNIT, key(1), 0);
        assertThat(fixture.rejectionLines()).singleElement().asString().contains("larger (4294967296 bytes)");
    }

    @Test
    void anUnreadableFileIsRejected() throws Exception {
        cache.write(Namespace.UNIT, key(1), body(1, 20));
        Path file = fixture.file(Namespace.UNIT, key(1));
        Files.setPosixFilePermissions(file, Set.of());
        assumeFalse(Files.isReadable(file), "root reads any file");
        assertRejected(Namespace.UNIT, key(1), 0);
        assertThat(fixture.rejectionLines()).singleElement().asString().contains("unreadable");
    }

    @Test
    void rejectionsAreCountedEachTimeButLoggedOncePerFile() throws Exception {
        cache.write(Namespace.UNIT, key(1), body(1, 20));
        cache.write(Namespace.UNIT, key(2), body(2, 20));
        Files.copy(fixture.file(Namespace.UNIT, key(1)), fixture.file(Namespace.UNIT, key(2)), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(fixture.file(Namespace.UNIT, key(2)), root.resolve("poison"));
        FileCache readOnly = fixture.open(true, 256 << 20);
        for (int i = 0; i < 3; i++) {
            assertThat(readOnly.read(Namespace.UNIT, key(2))).isEmpty();
        }
        assertThat(readOnly.statistics().rejections()).isEqualTo(3);
        assertThat(readOnly.statistics().misses()).isEqualTo(3);
        assertThat(fixture.file(Namespace.UNIT, key(2))).as("read-only mode removes nothing").exists();
        // Writable: logged and removed, then planted again and read again: still the one line for this name.
        assertThat(cache.read(Namespace.UNIT, key(2))).isEmpty();
        Files.copy(root.resolve("poison"), fixture.file(Namespace.UNIT, key(2)));
        assertThat(cache.read(Namespace.UNIT, key(2))).isEmpty();
        assertThat(cache.statistics().rejections()).isEqualTo(2);
        assertThat(fixture.rejectionLines()).hasSize(2).allMatch(line -> line.contains(key(2).hex()));
        assertThat(fixture.rejectionLines().get(0)).doesNotContain("removed");
        assertThat(fixture.rejectionLines().get(1)).endsWith("counted as a miss, file removed");
    }
}
