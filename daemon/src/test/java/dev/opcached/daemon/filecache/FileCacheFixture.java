package dev.opcached.daemon.filecache;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.opcached.protocol.unit.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;

/** What the file cache tests share: keys, a clock they move, a captured log, and a look at the directory. */
final class FileCacheFixture implements AutoCloseable {
    static final long START_MILLIS = 1_700_000_000_000L;

    final Path root;
    final Path directory;
    final Path keyFile;
    final AtomicLong now = new AtomicLong(START_MILLIS);
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(FileCache.class);

    FileCacheFixture(Path root) {
        this.root = root;
        this.directory = root.resolve("file_cache");
        this.keyFile = root.resolve("file_cache.key");
        log.start();
        logger.addAppender(log);
    }

    static Sha256 key(int n) {
        return Sha256.of(("unit " + n).getBytes(StandardCharsets.UTF_8));
    }

    static byte[] body(int n, int length) {
        byte[] body = new byte[length];
        for (int i = 0; i < length; i++) {
            body[i] = (byte) (n * 31 + i);
        }
        return body;
    }

    FileCacheConfig config(boolean readOnly, long sizeBound) {
        return new FileCacheConfig(directory, keyFile, readOnly, sizeBound);
    }

    FileCache open() throws IOException {
        return open(false, 256 << 20);
    }

    FileCache open(boolean readOnly, long sizeBound) throws IOException {
        return FileCache.open(config(readOnly, sizeBound), now::get);
    }

    Path file(Namespace namespace, Sha256 key) {
        return directory.resolve(namespace.directoryName()).resolve(key.hex());
    }

    /** Every file under the cache directory, relative to it. */
    List<String> listing() throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(p -> !p.equals(directory)).map(p -> directory.relativize(p).toString()).sorted().toList();
        }
    }

    /** The warnings and information lines the cache logged. */
    List<String> logLines() {
        return log.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.INFO))
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    List<String> rejectionLines() {
        return logLines().stream().filter(line -> line.startsWith("file cache rejected")).toList();
    }

    @Override
    public void close() {
        logger.detachAppender(log);
    }
}
