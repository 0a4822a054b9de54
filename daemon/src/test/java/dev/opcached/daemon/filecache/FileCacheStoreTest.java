package dev.opcached.daemon.filecache;

import static dev.opcached.daemon.filecache.FileCacheFixture.body;
import static dev.opcached.daemon.filecache.FileCacheFixture.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The directory's rules, read-only mode, write failures, and least-recently-used pruning. */
class FileCacheStoreTest {
    /** Body length that makes an entry file exactly 100 bytes. */
    private static final int BODY = 100 - EntryFormat.OVERHEAD;

    @TempDir
    Path root;
    FileCacheFixture fixture;

    @BeforeEach
    void fixture() {
        fixture = new FileCacheFixture(root);
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void theDirectoryIsMadePrivateAndOneOthersMayWriteIsRefused() throws Exception {
        fixture.open();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fixture.directory))).isEqualTo("rwx------");
        assertThat(fixture.listing()).containsExactly("source", "unit");
        Files.setPosixFilePermissions(fixture.directory, PosixFilePermissions.fromString("rwxrwx---"));
        assertThatThrownBy(fixture::open).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(fixture.directory.toString()).hasMessageContaining("chmod 700");
        Files.setPosixFilePermissions(fixture.directory, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(fixture.directory.resolve("unit"), PosixFilePermissions.fromString("rwx----wx"));
        assertThatThrownBy(fixture::open).hasMessageContaining("chmod 700 " + fixture.directory.resolve("unit"));
    }

    @Test
    void aNamespaceDirectoryThatIsASymbolicLinkIsRefused() throws Exception {
        Files.createDirectories(fixture.directory);
        Files.createSymbolicLink(fixture.directory.resolve("unit"), Files.createDirectory(root.resolve("elsewhere")));
        assertThatThrownBy(fixture::open).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a directory (a symbolic link or a file)");
    }

    @Test
    void aKeyFileInsideTheCacheDirectoryIsRefused() {
        assertThatThrownBy(() -> new FileCacheConfig(fixture.directory, fixture.directory.resolve("key"), false, 1 << 20))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("opcached.file_cache_key");
    }

    @Test
    void readOnlyModeWritesTouchesAndRemovesNothing() throws Exception {
        FileCache writable = fixture.open();
        writable.write(Namespace.UNIT, key(1), body(1, BODY));
        Files.write(fixture.file(Namespace.UNIT, key(2)), body(2, BODY));
        Files.write(fixture.directory.resolve("unit/.tmp-left-by-a-crash"), new byte[1]);
        Files.setLastModifiedTime(fixture.directory.resolve("unit/.tmp-left-by-a-crash"), FileTime.fromMillis(0));
        List<String> before = fixture.listing();
        FileTime touched = Files.getLastModifiedTime(fixture.file(Namespace.UNIT, key(1)));

        fixture.now.addAndGet(10 * UseOrder.TOUCH_INTERVAL_MILLIS);
        FileCache readOnly = fixture.open(true, 150);
        readOnly.write(Namespace.UNIT, key(3), body(3, BODY));
        readOnly.write(Namespace.SOURCE, key(1), body(1, 10));
        assertThat(readOnly.read(Namespace.UNIT, key(1))).isPresent();
        assertThat(readOnly.read(Namespace.UNIT, key(2))).isEmpty();

        assertThat(fixture.listing()).isEqualTo(before);
        assertThat(Files.getLastModifiedTime(fixture.file(Namespace.UNIT, key(1)))).isEqualTo(touched);
        assertThat(readOnly.statistics().stores()).isZero();
        assertThat(readOnly.statistics().pruned()).as("over its bound, yet nothing removed").isZero();
        assertThat(readOnly.statistics().rejections()).isEqualTo(1);
    }

    @Test
    void readOnlyModeNeedsAnExistingDirectoryAndKey() throws Exception {
        assertThatThrownBy(() -> fixture.open(true, 1 << 20)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(fixture.directory.toString()).hasMessageContaining("opcache.file_cache_read_only");
        Files.createDirectories(fixture.directory);
        assertThatThrownBy(() -> fixture.open(true, 1 << 20)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(fixture.keyFile.toString()).hasMessageContaining("ship that key");
        assertThat(fixture.listing()).isEmpty();
    }

    @Test
    void aFailingWriteIsACounterAndALogLinePerChangeOfState() throws Exception {
        FileCache cache = fixture.open();
        Path unit = fixture.directory.resolve("unit");
        // A file in the namespace directory's place fails every write, even for root.
        Files.move(unit, root.resolve("unit-aside"));
        Files.write(unit, new byte[0]);
        cache.write(Namespace.UNIT, key(1), body(1, BODY));
        cache.write(Namespace.UNIT, key(2), body(2, BODY));
        assertThat(cache.statistics().writeFailures()).isEqualTo(2);
        assertThat(cache.statistics().stores()).isZero();
        Files.delete(unit);
        Files.move(root.resolve("unit-aside"), unit);
        cache.write(Namespace.UNIT, key(3), body(3, BODY));
        cache.write(Namespace.UNIT, key(4), body(4, BODY));
        assertThat(cache.statistics().stores()).isEqualTo(2);
        assertThat(cache.read(Namespace.UNIT, key(3))).isPresent();
        List<String> writeLines = fixture.logLines().stream().filter(line -> line.startsWith("file cache writes")).toList();
        assertThat(writeLines).hasSize(2);
        assertThat(writeLines.get(0)).contains(" fail (").contains("entries are not stored until they succeed again");
        assertThat(writeLines.get(1)).endsWith("succeed again");
        assertThat(fixture.listing()).noneMatch(name -> name.contains(".tmp-"));
    }

    @Test
    void aNamespaceDirectoryRemovedAfterOpenIsMadeAgainAndEntriesRemovedBehindItsBackAreForgotten() throws Exception {
        FileCache cache = fixture.open();
        cache.write(Namespace.UNIT, key(1), body(1, BODY));
        Files.delete(fixture.file(Namespace.UNIT, key(1)));
        Files.delete(fixture.directory.resolve("unit"));
        assertThat(cache.read(Namespace.UNIT, key(1))).isEmpty();
        assertThat(cache.statistics().entries()).isZero();
        assertThat(cache.statistics().bytes()).isZero();
        cache.write(Namespace.UNIT, key(2), body(2, BODY));
        assertThat(cache.read(Namespace.UNIT, key(2))).isPresent();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fixture.directory.resolve("unit"))))
                .isEqualTo("rwx------");
        assertThat(cache.statistics().writeFailures()).isZero();
    }

    @Test
    void pruningKeepsTheTotalUnderTheBoundAndRemovesTheLeastRecentlyUsed() throws Exception {
        FileCache cache = fixture.open(false, 500);
        for (int i = 0; i < 5; i++) {
            cache.write(Namespace.UNIT, key(i), body(i, BODY));
            fixture.now.addAndGet(1_000);
        }
        assertThat(cache.statistics().bytes()).isEqualTo(500);
        assertThat(cache.read(Namespace.UNIT, key(0))).isPresent();
        fixture.now.addAndGet(1_000);
        cache.write(Namespace.UNIT, key(5), body(5, BODY));
        // 600 bytes over a bound of 500: pruned to 450 or less, least recently used first (1, then 2).
        assertThat(cache.statistics().bytes()).isEqualTo(400);
        assertThat(cache.statistics().pruned()).isEqualTo(2);
        assertThat(fixture.file(Namespace.UNIT, key(1))).doesNotExist();
        assertThat(fixture.file(Namespace.UNIT, key(2))).doesNotExist();
        for (int kept : new int[] {0, 3, 4, 5}) {
            assertThat(cache.read(Namespace.UNIT, key(kept))).as("entry %d", kept).isPresent();
        }
        assertThat(fixture.listing().stream().filter(name -> name.startsWith("unit/"))).hasSize(4);
    }

    @Test
    void aHitTouchesTheFileAtMostOncePerIntervalSoThatTheNextOpenKnowsTheOrder() throws Exception {
        FileCache cache = fixture.open(false, 500);
        for (int i = 0; i < 5; i++) {
            cache.write(Namespace.UNIT, key(i), body(i, BODY));
            Files.setLastModifiedTime(fixture.file(Namespace.UNIT, key(i)), FileTime.fromMillis(fixture.now.get()));
            fixture.now.addAndGet(1_000);
        }
        Path first = fixture.file(Namespace.UNIT, key(0));
        fixture.now.addAndGet(UseOrder.TOUCH_INTERVAL_MILLIS / 2);
        cache.read(Namespace.UNIT, key(0));
        assertThat(Files.getLastModifiedTime(first).toMillis()).as("not yet due").isEqualTo(FileCacheFixture.START_MILLIS);
        fixture.now.addAndGet(UseOrder.TOUCH_INTERVAL_MILLIS);
        cache.read(Namespace.UNIT, key(0));
        assertThat(Files.getLastModifiedTime(first).toMillis()).isEqualTo(fixture.now.get());

        // A new process: its order comes from the modification times.
        FileCache reopened = fixture.open(false, 500);
        assertThat(reopened.statistics().entries()).isEqualTo(5);
        assertThat(reopened.statistics().bytes()).isEqualTo(500);
        reopened.write(Namespace.SOURCE, key(9), body(9, BODY));
        assertThat(first).exists();
        assertThat(fixture.file(Namespace.UNIT, key(1))).doesNotExist();
        assertThat(fixture.file(Namespace.UNIT, key(2))).doesNotExist();
        assertThat(reopened.statistics().bytes()).isEqualTo(400);
    }

    @Test
    void anOpenRemovesStaleTemporaryFilesAndIgnoresForeignNames() throws Exception {
        fixture.open();
        Path stale = fixture.directory.resolve("unit/.tmp-123");
        Path fresh = fixture.directory.resolve("unit/.tmp-456");
        Path foreign = fixture.directory.resolve("unit/README");
        for (Path file : List.of(stale, fresh, foreign)) {
            Files.write(file, new byte[10]);
        }
        Files.setLastModifiedTime(stale, FileTime.fromMillis(fixture.now.get() - FileCache.STALE_TEMPORARY_MILLIS - 1));
        Files.setLastModifiedTime(fresh, FileTime.fromMillis(fixture.now.get()));
        FileCache cache = fixture.open();
        assertThat(stale).doesNotExist();
        assertThat(fresh).exists();
        assertThat(foreign).exists();
        assertThat(cache.statistics().entries()).isZero();
    }
}
