package dev.opcached.daemon.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps URL paths to script files under the docroot, never outside it (no {@code ..}, no symlink
 * leading out), with a realpath cache like PHP's ({@code realpath_cache_ttl}).
 */
public final class DocumentRoot {
    private static final Logger LOG = LoggerFactory.getLogger(DocumentRoot.class);
    private static final String INDEX = "index.java";

    private final Path root;
    private final long ttlNanos;
    private final LongSupplier statGeneration;
    private final Map<String, Resolution> cache = new ConcurrentHashMap<>();
    private volatile long seenStatGeneration;

    private record Resolution(Path file, long expiresAt) {
    }

    /**
     * @param statGeneration the pool's stat/clear counter: when it moves, the cache is dropped
     */
    public DocumentRoot(Path root, long ttlSeconds, LongSupplier statGeneration) throws IOException {
        this.root = root.toRealPath();
        this.ttlNanos = ttlSeconds * 1_000_000_000L;
        this.statGeneration = statGeneration;
        this.seenStatGeneration = statGeneration.getAsLong();
    }

    public Path root() {
        return root;
    }

    /**
     * The real path of the script a decoded URL path names, or null (404): no such script, or a
     * path that would leave the docroot (logged).
     */
    public Path resolve(String urlPath) {
        long generation = statGeneration.getAsLong();
        if (generation != seenStatGeneration) {
            seenStatGeneration = generation;
            cache.clear();
        }
        long now = System.nanoTime();
        Resolution cached = cache.get(urlPath);
        if (cached != null && now - cached.expiresAt() < 0) {
            return cached.file();
        }
        Path file = resolveUncached(urlPath);
        if (ttlNanos > 0) {
            if (cache.size() > 100_000) {
                cache.clear();
            }
            cache.put(urlPath, new Resolution(file, now + ttlNanos));
        }
        return file;
    }

    private Path resolveUncached(String urlPath) {
        if (urlPath.indexOf('\0') >= 0 || urlPath.indexOf('\\') >= 0) {
            LOG.warn("refused path {}: NUL or backslash", printable(urlPath));
            return null;
        }
        for (String segment : urlPath.split("/")) {
            if (segment.equals("..")) {
                LOG.warn("refused path {}: it leaves the docroot", printable(urlPath));
                return null;
            }
        }
        Path candidate = root.resolve(urlPath.replaceFirst("^/+", "")).normalize();
        if (!candidate.startsWith(root)) {
            LOG.warn("refused path {}: it leaves the docroot", printable(urlPath));
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
            if (!real.startsWith(root)) {
                LOG.warn("refused path {}: a symbolic link leads out of the docroot to {}", printable(urlPath), real);
                return null;
            }
            return real;
        } catch (IOException e) {
            return null;
        }
    }

    private static String printable(String path) {
        return path.replaceAll("[\\p{Cntrl}]", "?");
    }

    /** Forgets every resolution (stat/clear, like clearstatcache). */
    public void clear() {
        cache.clear();
    }
}
