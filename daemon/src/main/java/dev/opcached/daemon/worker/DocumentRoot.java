package dev.opcached.daemon.worker;

import dev.opcached.protocol.common.DocrootContainment;
import dev.opcached.protocol.common.LogText;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps URL paths to script files under the docroot, never outside it (no {@code ..}, no symlink
 * leading out: the {@link DocrootContainment} rule), with a realpath cache like PHP's
 * ({@code realpath_cache_ttl}, {@code realpath_cache_size}): bounded in entries and bytes, and never
 * holding a miss, so that a file created after a 404 serves at once and requests for endless unique
 * missing paths cannot grow it. A hit takes no lock (every request is one, on every event loop);
 * what goes out when the cache is full is chosen the CLOCK way, an approximation of least recently
 * used: an entry used since the last sweep gets a second chance.
 */
public final class DocumentRoot {
    private static final Logger LOG = LoggerFactory.getLogger(DocumentRoot.class);
    private static final String INDEX = "index.java";
    /** Most resolutions kept, whatever their size: bounds the map's own overhead. */
    static final int MAX_ENTRIES = 16_384;
    /** What one resolution costs beyond its two strings (map entry, record, Path object), roughly. */
    static final int ENTRY_OVERHEAD_BYTES = 64;

    private final DocrootContainment docroot;
    private final long ttlNanos;
    private final long maxBytes;
    private final LongSupplier statGeneration;
    private final LongSupplier nanoClock;
    /** Read without a lock; changed only under {@link #writeLock}. */
    private final ConcurrentHashMap<String, Resolution> cache = new ConcurrentHashMap<>(256);
    /** Taken by every change of the cache (after a miss or an expiry: those stat the file system anyway). */
    private final Object writeLock = new Object();
    /** Guarded by {@link #writeLock}; volatile for the figures. */
    private volatile long cachedBytes;
    /** Where the eviction sweep goes on. Guarded by {@link #writeLock}. */
    private Iterator<Map.Entry<String, Resolution>> hand;
    private volatile long seenStatGeneration;

    private static final class Resolution {
        private final Path file;
        private final long expiresAt;
        private final long bytes;
        /** Used since the last eviction sweep passed it: it is kept once more. */
        private volatile boolean used;

        private Resolution(Path file, long expiresAt, long bytes) {
            this.file = file;
            this.expiresAt = expiresAt;
            this.bytes = bytes;
        }
    }

    /**
     * @param statGeneration the pool's stat/clear counter: when it moves, the cache is dropped
     */
    public DocumentRoot(Path root, long ttlSeconds, long maxBytes, LongSupplier statGeneration) throws IOException {
        this(root, ttlSeconds, maxBytes, statGeneration, System::nanoTime);
    }

    DocumentRoot(Path root, long ttlSeconds, long maxBytes, LongSupplier statGeneration, LongSupplier nanoClock)
            throws IOException {
        this.docroot = new DocrootContainment(root);
        this.ttlNanos = ttlSeconds * 1_000_000_000L;
        this.maxBytes = maxBytes;
        this.statGeneration = statGeneration;
        this.nanoClock = nanoClock;
        this.seenStatGeneration = statGeneration.getAsLong();
    }

    /** The docroot's real path. */
    public Path root() {
        return docroot.root();
    }

    /**
     * The real path of the script a decoded URL path names, or null (404): no such script, or a
     * path that would leave the docroot (logged).
     */
    public Path resolve(String urlPath) {
        long generation = statGeneration.getAsLong();
        if (generation != seenStatGeneration) {
            seenStatGeneration = generation;
            clear();
        }
        long now = nanoClock.getAsLong();
        Resolution cached = cache.get(urlPath);
        if (cached != null) {
            if (now - cached.expiresAt < 0) {
                if (!cached.used) {
                    // Written only when it changes: a hot entry's line stays shared between the loops.
                    cached.used = true;
                }
                return cached.file;
            }
            synchronized (writeLock) {
                forget(urlPath, cached);
            }
        }
        Path file = resolveUncached(urlPath);
        if (file != null && ttlNanos > 0) {
            remember(urlPath, new Resolution(file, now + ttlNanos,
                    2L * (urlPath.length() + file.toString().length()) + ENTRY_OVERHEAD_BYTES));
        }
        return file;
    }

    private void remember(String urlPath, Resolution resolution) {
        if (resolution.bytes > maxBytes) {
            return;
        }
        synchronized (writeLock) {
            Resolution previous = cache.get(urlPath);
            if (previous != null) {
                forget(urlPath, previous);
            }
            evictFor(resolution.bytes);
            cache.put(urlPath, resolution);
            cachedBytes += resolution.bytes;
        }
    }

    /**
     * Makes room for one more entry of {@code bytes}, the CLOCK way: the hand moves round the
     * entries, clearing the mark of one used since it last passed and removing one that was not,
     * until the new entry fits. After two rounds it removes whatever it meets, so that it ends
     * even while hits keep marking entries. Under {@link #writeLock}.
     */
    private void evictFor(long bytes) {
        long secondChances = 2L * cache.size();
        while (!fits(bytes)) {
            if (hand == null || !hand.hasNext()) {
                // Iterators of a ConcurrentHashMap stay valid while it changes: the hand goes on.
                hand = cache.entrySet().iterator();
                if (!hand.hasNext()) {
                    return;
                }
            }
            Map.Entry<String, Resolution> entry = hand.next();
            Resolution resolution = entry.getValue();
            if (resolution.used && secondChances-- > 0) {
                resolution.used = false;
            } else {
                // It may be gone or replaced since the hand saw it: only that mapping goes.
                forget(entry.getKey(), resolution);
            }
        }
    }

    private boolean fits(long bytes) {
        return cache.size() < MAX_ENTRIES && cachedBytes + bytes <= maxBytes;
    }

    /** Removes {@code urlPath} if it still maps to {@code resolution}. Under {@link #writeLock}. */
    private void forget(String urlPath, Resolution resolution) {
        if (cache.remove(urlPath, resolution)) {
            cachedBytes -= resolution.bytes;
        }
    }

    /** The lock every change of the cache takes (a hit takes none). */
    Object writeLock() {
        return writeLock;
    }

    /** How many resolutions the cache holds now. */
    int cachedEntries() {
        return cache.size();
    }

    /** How many bytes (as counted against realpath_cache_size) the cache holds now. */
    long cachedBytes() {
        return cachedBytes;
    }

    private Path resolveUncached(String urlPath) {
        if (urlPath.indexOf('\0') >= 0 || urlPath.indexOf('\\') >= 0) {
            LOG.warn("refused path {}: NUL or backslash", LogText.escape(urlPath));
            return null;
        }
        // Stricter than containment: a URL never names a parent, even one that stays inside.
        Path candidate = Arrays.asList(urlPath.split("/")).contains("..") ? null : docroot.underRoot(urlPath);
        if (candidate == null) {
            LOG.warn("refused path {}: it leaves the docroot", LogText.escape(urlPath));
            return null;
        }
        if (Files.isDirectory(candidate)) {
            candidate = candidate.resolve(INDEX);
        }
        if (!candidate.getFileName().toString().endsWith(".java") || !Files.isRegularFile(candidate)) {
            return null;
        }
        try {
            Path real = candidate.toRealPath();
            if (!docroot.contains(real)) {
                LOG.warn("refused path {}: a symbolic link leads out of the docroot to {}", LogText.escape(urlPath),
                        LogText.escape(real));
                return null;
            }
            return real;
        } catch (IOException e) {
            return null;
        }
    }

    /** Forgets every resolution (stat/clear, like clearstatcache). */
    public void clear() {
        synchronized (writeLock) {
            cache.clear();
            cachedBytes = 0;
            hand = null;
        }
    }
}
