package dev.opcached.daemon.filecache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.opcached.protocol.unit.Sha256;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The seal key file: made once, atomically, private; refused with the fix whenever someone else could know the key. */
class SealKeyTest {
    @TempDir
    Path dir;

    private static byte[] sealWith(SealKey key) {
        return EntryFormat.seal(key, Namespace.UNIT, Sha256.of(new byte[0]), new byte[0]);
    }

    @Test
    void madeAtFirstStartPrivateAndTheSameThereafterAndNeverLogged() throws Exception {
        Path file = dir.resolve("state/file_cache.key");
        Logger logger = (Logger) LoggerFactory.getLogger(SealKey.class);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        logger.addAppender(log);
        SealKey first;
        try {
            first = SealKey.loadOrCreate(file);
        } finally {
            logger.detachAppender(log);
        }
        assertThat(Files.size(file)).isEqualTo(SealKey.LENGTH);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
        assertThat(Files.list(file.getParent()).toList()).as("no temporary file left").containsExactly(file);
        assertThat(sealWith(SealKey.loadOrCreate(file))).isEqualTo(sealWith(first));
        assertThat(sealWith(SealKey.load(file))).isEqualTo(sealWith(first));
        String hex = HexFormat.of().formatHex(Files.readAllBytes(file));
        assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage).singleElement().asString()
                .contains(file.toString()).doesNotContain(hex);
        assertThat(first.toString()).doesNotContain(hex);
    }

    @Test
    void twoProcessesStartingAtOnceEndWithOneKey() throws Exception {
        Path file = dir.resolve("file_cache.key");
        CyclicBarrier start = new CyclicBarrier(2);
        List<CompletableFuture<byte[]>> seals = List.of(0, 1).stream().map(i -> CompletableFuture.supplyAsync(() -> {
            try {
                start.await();
                return sealWith(SealKey.loadOrCreate(file));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        })).toList();
        assertThat(seals.get(0).get(30, TimeUnit.SECONDS)).isEqualTo(seals.get(1).get(30, TimeUnit.SECONDS));
    }

    @Test
    void aKeyFileOthersMayReadIsRefusedWithTheFix() throws Exception {
        Path file = dir.resolve("file_cache.key");
        SealKey.loadOrCreate(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> SealKey.loadOrCreate(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("rw-r--r--").hasMessageContaining("chmod 600");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw----r--"));
        assertThatThrownBy(() -> SealKey.load(file)).hasMessageContaining("chmod 600");
    }

    @Test
    void aKeyFileOfTheWrongLengthIsRefused() throws Exception {
        Path file = dir.resolve("file_cache.key");
        Files.write(file, new byte[SealKey.LENGTH + 1]);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> SealKey.loadOrCreate(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("holds 33 bytes, not 32")
                .hasMessageContaining("remove it");
    }

    @Test
    void aKeyPathThatIsNotARegularFileIsRefused() throws Exception {
        Path file = dir.resolve("file_cache.key");
        Files.createDirectory(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        assertThatThrownBy(() -> SealKey.loadOrCreate(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("not a regular file");
    }

    @Test
    void aKeyInADirectoryOthersMayWriteIsRefused() throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> SealKey.loadOrCreate(shared.resolve("file_cache.key")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chmod go-w " + shared);
    }

    @Test
    void aKeyFileOfAnotherUserIsRefused() throws Exception {
        assumeTrue(Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0), "only root can give a file away");
        Path file = dir.resolve("file_cache.key");
        SealKey.loadOrCreate(file);
        Files.setAttribute(file, "unix:uid", 65534);
        assertThatThrownBy(() -> SealKey.loadOrCreate(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("belongs to uid 65534");
    }

    @Test
    void aMissingKeyIsRefusedWhereNoneMayBeMade() {
        Path file = dir.resolve("file_cache.key");
        assertThatThrownBy(() -> SealKey.load(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("ship that key");
        assertThat(file).doesNotExist();
    }
}
