package dev.opcached.daemon.filecache;

import dev.opcached.daemon.config.Directives;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the file cache lives and how it may use it: {@code opcache.file_cache},
 * {@code opcached.file_cache_key}, {@code opcache.file_cache_read_only} and
 * {@code opcached.file_cache_size}, resolved.
 *
 * @param directory the cache directory (absolute)
 * @param keyFile the seal key's file, outside the directory
 * @param readOnly never write, touch or remove anything (an immutable image)
 * @param sizeBound most bytes of entry files; least recently used entries are removed beyond it
 */
public record FileCacheConfig(Path directory, Path keyFile, boolean readOnly, long sizeBound) {
    /** The largest entry file, whatever the size bound: a bound on what one read may allocate. */
    public static final int MAX_ENTRY_LENGTH = 16 << 20;

    /**
     * @throws IllegalArgumentException when the key file lies inside the cache directory (whoever
     *     may write the directory could then replace the key), or the bound is not positive
     */
    public FileCacheConfig {
        directory = directory.toAbsolutePath().normalize();
        keyFile = keyFile.toAbsolutePath().normalize();
        if (keyFile.startsWith(directory)) {
            throw new IllegalArgumentException("file cache key " + keyFile + " is inside the file cache directory " + directory
                    + ": the key must live where writers of the cache cannot reach it; set opcached.file_cache_key to a file"
                    + " outside it (the default, STATE_DIR/file_cache.key, is)");
        }
        if (sizeBound <= 0) {
            throw new IllegalArgumentException("the file cache's size bound must be positive: sizeBound=" + sizeBound);
        }
    }

    /** The file cache {@code directives} configure, or empty when {@code opcache.file_cache} is empty (off). */
    public static Optional<FileCacheConfig> from(Directives directives) {
        return directives.fileCacheDirectory().map(directory -> new FileCacheConfig(directory, directives.fileCacheKeyFile(),
                directives.flag(Directives.FILE_CACHE_READ_ONLY), directives.number(Directives.FILE_CACHE_SIZE)));
    }

    /** The largest entry file read or written: {@link #MAX_ENTRY_LENGTH}, or the size bound when smaller. */
    public int maxEntryLength() {
        return (int) Math.min(MAX_ENTRY_LENGTH, sizeBound);
    }
}
