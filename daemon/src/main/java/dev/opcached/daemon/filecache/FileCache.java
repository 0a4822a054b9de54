package dev.opcached.daemon.filecache;

import dev.opcached.protocol.common.LogText;
import dev.opcached.protocol.segment.EpochClock;
import dev.opcached.protocol.unit.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sealed, content-addressed file cache: opaque bodies under 32-byte keys in two namespaces,
 * each file sealed with HMAC-SHA256 under a key kept outside the directory (docs/file-cache-format.md).
 * Nothing that goes wrong on disk reaches the caller: a file that is not a sound entry for the key
 * it was read for is a miss (counted, logged once, removed), and a write that fails is a counter
 * and a log line when writes start or stop failing. Thread-safe; several processes may share one
 * directory (writes are atomic renames), each pruning by its own view of it.
 */
public final class FileCache implements UnitStore {
    /** Temporary files older than this at open were left by a writer that died; younger ones may be in use. */
    static final long STALE_TEMPORARY_MILLIS = 3_600_000;
    private static final Logger LOG = LoggerFactory.getLogger(FileCache.class);
    private static final Set<OpenOption> READ_WRITE = Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS);
    private static final Set<OpenOption> READ = Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);

    private final FileCacheConfig config;
    private final FileCacheDirectory directory;
    private final SealKey sealKey;
    private final EpochClock clock;
    private final UseOrder useOrder = new UseOrder();
    private final RejectionLog rejectionLog = new RejectionLog();
    private final AtomicBoolean writesFailing = new AtomicBoolean();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder stores = new LongAdder();
    private final LongAdder rejections = new LongAdder();
    private final LongAdder writeFailures = new LongAdder();
    private final LongAdder pruned = new LongAdder();

    private FileCache(FileCacheConfig config, FileCacheDirectory directory, SealKey sealKey, EpochClock clock) {
        this.config = config;
        this.directory = directory;
        this.sealKey = sealKey;
        this.clock = clock;
    }

    /**
     * {@link #open(FileCacheConfig, SealKey, EpochClock)} with the key of {@code config}'s key
     * file, made at first use unless read-only ({@link SealKey#loadOrCreate}, {@link SealKey#load}).
     */
    public static FileCache open(FileCacheConfig config, EpochClock clock) throws IOException {
        SealKey key = config.readOnly() ? SealKey.load(config.keyFile()) : SealKey.loadOrCreate(config.keyFile());
        return open(config, key, clock);
    }

    /**
     * Opens (creating unless read-only) the cache directory of {@code config}, and scans it for
     * the entries' sizes and last uses; stale temporary files are removed unless read-only.
     *
     * @throws IllegalArgumentException naming the directory and the fix when it cannot be used
     *     safely (see {@link FileCacheDirectory#open})
     */
    public static FileCache open(FileCacheConfig config, SealKey sealKey, EpochClock clock) throws IOException {
        FileCache cache = new FileCache(config, FileCacheDirectory.open(config.directory(), config.readOnly()),
                Objects.requireNonNull(sealKey, "sealKey"), clock);
        cache.scan();
        return cache;
    }

    private void scan() throws IOException {
        for (Namespace namespace : Namespace.values()) {
            Path namespaceDirectory = directory.directory(namespace);
            if (!Files.isDirectory(namespaceDirectory, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(namespaceDirectory)) {
                for (Path file : files) {
                    scanned(file);
                }
            }
        }
        LOG.info("file cache {}{}: {} entries, {} bytes of at most {}", LogText.escape(config.directory().toString()),
                config.readOnly() ? " (read-only)" : "", useOrder.entries(), useOrder.bytes(), config.sizeBound());
        prune();
    }

    private void scanned(Path file) {
        String name = file.getFileName().toString();
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (FileCacheDirectory.isEntryName(name) && attributes.isRegularFile()) {
                useOrder.put(file, attributes.size(), attributes.lastModifiedTime().toMillis());
            } else if (name.startsWith(FileCacheDirectory.TEMPORARY_PREFIX) && !config.readOnly()
                    && clock.millis() - attributes.lastModifiedTime().toMillis() > STALE_TEMPORARY_MILLIS) {
                Files.deleteIfExists(file);
            }
            // Anything else is not ours to judge until it is read under a key: then it is rejected.
        } catch (IOException e) {
            LOG.debug("file cache scan skipped {}: {}", LogText.escape(file.toString()), LogText.escape(e.toString()));
        }
    }

    /**
     * The body filed under {@code key} in {@code namespace}, or empty: absent, or rejected
     * (counted in {@code rejections}, logged once per file, and removed unless read-only). Never
     * throws for anything found on disk, and never blocks on a FIFO.
     */
    @Override
    public Optional<byte[]> read(Namespace namespace, Sha256 key) {
        Path file = directory.file(namespace, key);
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException absent) {
            // Perhaps pruned or removed by another process: forget it, so that the size bound counts what is there.
            useOrder.remove(file);
            misses.increment();
            return Optional.empty();
        } catch (IOException e) {
            return rejected(file, null, "unreadable: " + e);
        }
        if (!attributes.isRegularFile()) {
            return rejected(file, attributes, "not a regular file but " + kind(attributes));
        }
        if (attributes.size() > config.maxEntryLength()) {
            return rejected(file, attributes, "larger (" + attributes.size() + " bytes) than the largest entry ("
                    + config.maxEntryLength() + " bytes); not read");
        }
        byte[] content;
        try {
            content = readBounded(file);
        } catch (RejectedEntryException e) {
            return rejected(file, attributes, e.getMessage());
        } catch (IOException e) {
            return rejected(file, attributes, "unreadable: " + e);
        }
        byte[] body;
        try {
            body = EntryFormat.open(sealKey, namespace, key, content);
        } catch (RejectedEntryException e) {
            return rejected(file, attributes, e.getMessage());
        }
        hits.increment();
        long now = clock.millis();
        if (useOrder.used(file, content.length, now) && !config.readOnly()) {
            touch(file, now);
        }
        return Optional.of(body);
    }

    /** The whole content of {@code file}, at most {@link FileCacheConfig#maxEntryLength()} bytes; package-private for a test. */
    byte[] readBounded(Path file) throws IOException, RejectedEntryException {
        try (FileChannel channel = openWithoutBlocking(file)) {
            long size = channel.size();
            if (size > config.maxEntryLength()) {
                throw new RejectedEntryException("grew to " + size + " bytes, more than the largest entry ("
                        + config.maxEntryLength() + " bytes); not read");
            }
            ByteBuffer content = ByteBuffer.allocate((int) size);
            // Positional reads: on anything but a regular file (a FIFO swapped in after the check) they fail instead of waiting.
            while (content.hasRemaining()) {
                if (channel.read(content, content.position()) < 0) {
                    throw new RejectedEntryException("truncated while it was read (" + content.position() + " of " + size + " bytes)");
                }
            }
            return content.array();
        }
    }

    /**
     * Opens {@code file} for reading without following a symbolic link and without waiting for a
     * writer, should a FIFO have taken its place since it was checked: opening a FIFO for reading
     * only waits for a writer, opening it for reading and writing does not (Linux). Read-only mode,
     * and an entry we may not write, fall back to a plain read open: the FIFO would then have to be
     * swapped in between the check and the open.
     */
    private FileChannel openWithoutBlocking(Path file) throws IOException {
        if (!config.readOnly()) {
            try {
                return FileChannel.open(file, READ_WRITE);
            } catch (AccessDeniedException e) {
                LOG.debug("file cache entry {} is not writable; opening it read-only", LogText.escape(file.toString()));
            } catch (FileSystemException e) {
                if (e instanceof NoSuchFileException || !String.valueOf(e.getReason()).contains("Read-only file system")) {
                    throw e;
                }
            }
        }
        return FileChannel.open(file, READ);
    }

    private void touch(Path file, long now) {
        try {
            // Not following a link: a link swapped in for the entry must not move another file's time.
            Files.getFileAttributeView(file, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(FileTime.fromMillis(now), null, null);
        } catch (IOException e) {
            LOG.debug("file cache could not touch {}: {}", LogText.escape(file.toString()), LogText.escape(e.toString()));
        }
    }

    private Optional<byte[]> rejected(Path file, BasicFileAttributes seen, String reason) {
        rejections.increment();
        misses.increment();
        useOrder.remove(file);
        rejectionLog.rejected(file, reason, !config.readOnly() && remove(file, seen));
        return Optional.empty();
    }

    /** Removes the rejected {@code file}, unless a writer has renamed a new entry into its place since it was seen. */
    private boolean remove(Path file, BasicFileAttributes seen) {
        try {
            BasicFileAttributes now = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (seen != null && !Objects.equals(seen.fileKey(), now.fileKey())) {
                return false;
            }
            Files.delete(file);
            return true;
        } catch (IOException e) {
            LOG.debug("file cache could not remove {}: {}", LogText.escape(file.toString()), LogText.escape(e.toString()));
            return false;
        }
    }

    private static String kind(BasicFileAttributes attributes) {
        if (attributes.isDirectory()) {
            return "a directory";
        }
        if (attributes.isSymbolicLink()) {
            return "a symbolic link";
        }
        return "a FIFO, socket or device";
    }

    /**
     * Files {@code body} under {@code key} in {@code namespace}, replacing what was there:
     * sealed, written to a temporary file in the same directory, synced, renamed into place, and
     * the directory synced, so that a reader sees the old entry or the new one, never part of one.
     * Then prunes the least recently used entries if the directory is over its size bound. Does
     * nothing in read-only mode, or for a body too large to be an entry. A failure is counted and
     * logged when writes start failing (and when they succeed again), never thrown.
     */
    @Override
    public void write(Namespace namespace, Sha256 key, byte[] body) {
        if (config.readOnly()) {
            return;
        }
        if (body.length > config.maxEntryLength() - EntryFormat.OVERHEAD) {
            LOG.debug("file cache does not store {} {}: {} bytes is more than an entry holds", namespace.directoryName(), key,
                    body.length);
            return;
        }
        byte[] entry = EntryFormat.seal(sealKey, namespace, key, body);
        Path namespaceDirectory = directory.directory(namespace);
        Path file = directory.file(namespace, key);
        Path temporary = null;
        try {
            temporary = createTemporary(namespaceDirectory);
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                ByteBuffer content = ByteBuffer.wrap(entry);
                while (content.hasRemaining()) {
                    channel.write(content);
                }
                channel.force(true);
            }
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
            temporary = null;
            syncDirectory(namespaceDirectory);
        } catch (IOException | UncheckedIOException e) {
            writeFailures.increment();
            if (writesFailing.compareAndSet(false, true)) {
                LOG.warn("file cache writes to {} fail ({}); entries are not stored until they succeed again",
                        LogText.escape(config.directory().toString()), LogText.escape(e.toString()));
            }
            deleteQuietly(temporary);
            return;
        }
        if (writesFailing.compareAndSet(true, false)) {
            LOG.info("file cache writes to {} succeed again", LogText.escape(config.directory().toString()));
        }
        stores.increment();
        useOrder.put(file, entry.length, clock.millis());
        prune();
    }

    /** A new 0600 temporary file in {@code directory}, making the directory again (0700) if it was removed since open. */
    private static Path createTemporary(Path directory) throws IOException {
        try {
            return Files.createTempFile(directory, FileCacheDirectory.TEMPORARY_PREFIX, "");
        } catch (NoSuchFileException removed) {
            FileCacheDirectory.createPrivateDirectory(directory);
            return Files.createTempFile(directory, FileCacheDirectory.TEMPORARY_PREFIX, "");
        }
    }

    private static void syncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.debug("file cache could not remove its temporary file {}: {}", LogText.escape(file.toString()),
                    LogText.escape(e.toString()));
        }
    }

    /**
     * Over the bound, removes least recently used entries down to nine tenths of it, so that a
     * full cache does not prune on every write.
     */
    private void prune() {
        if (config.readOnly() || useOrder.bytes() <= config.sizeBound()) {
            return;
        }
        List<Path> victims = useOrder.takeLeastRecentlyUsed(config.sizeBound() - config.sizeBound() / 10);
        for (Path victim : victims) {
            try {
                Files.deleteIfExists(victim);
                pruned.increment();
            } catch (IOException e) {
                LOG.debug("file cache could not prune {}: {}", LogText.escape(victim.toString()), LogText.escape(e.toString()));
            }
        }
        LOG.debug("file cache pruned {} least recently used entries", victims.size());
    }

    /** The counters since open and this process's view of what the directory holds. */
    public FileCacheStatistics statistics() {
        return new FileCacheStatistics(hits.sum(), misses.sum(), stores.sum(), rejections.sum(), writeFailures.sum(),
                pruned.sum(), useOrder.bytes(), useOrder.entries());
    }

    /** What this cache was opened with (for status: directory, read-only, bound). */
    public FileCacheConfig config() {
        return config;
    }
}
