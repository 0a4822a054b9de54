package dev.opcached.daemon.worker;

import dev.opcached.protocol.common.DocrootContainment;
import dev.opcached.protocol.common.LogText;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps URL paths to script files under the docroot, never outside it (no {@code ..}, no symlink
 * leading out: the {@link DocrootContainment} rule), with a realpath cache like PHP's
 * ({@code realpath_cache_ttl}, {@code realpath_cache_size}): bounded in entries and bytes, least
 * recently used first out, and never holding a miss, so that a file created after a 404 serves at
 * once and requests for endless unique missing paths cannot grow it.
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
    /** Access-ordered: iteration starts at the least recently used. Guarded by itself. */
    private final LinkedHashMap<String, Resolution> cache = new LinkedHashMap<>(256, 0.75f, true);
    private long cachedBytes;
    private volatile long seenStatGeneration;

    private record Resolution(Path file, long expiresAt, long bytes) {
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
        synchronized (cache) {
            Resolution cached = cache.get(urlPath);
            if (cached != null) {
                if (now - cached.expiresAt() < 0) {
                    return cached.file();
                }
                forget(urlPath);
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
        if (resolution.bytes() > maxBytes) {
            return;
        }
        synchronized (cache) {
            forget(urlPath);
            Iterator<Resolution> eldest = cache.values().iterator();
            while (eldest.hasNext() && (cache.size() >= MAX_ENTRIES || cachedBytes + resolution.bytes() > maxBytes)) {
                cachedBytes -= eldest.next().bytes();
                eldest.remove();
            }
            cache.put(urlPath, resolution);
            cachedBytes += resolution.bytes();
        }
    }

    private void forget(String urlPath) {
        Resolution removed = cache.remove(urlPath);
        if (removed != null) {
            cachedBytes -= removed.bytes();
        }
    }

    /** How many resolutions the cache holds now. */
    int cachedEntries() {
        synchronized (cache) {
            return cache.size();
        }
    }

    /** How many bytes (as counted against realpath_cache_size) the cache holds now. */
    long cachedBytes() {
        synchronized (cache) {
            return cachedBytes;
        }
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
        synchronized (cache) {
            cache.clear();
            cachedBytes = 0;
        }
    }
}
