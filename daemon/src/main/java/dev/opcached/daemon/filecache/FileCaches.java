package dev.opcached.daemon.filecache;

import dev.opcached.daemon.config.Directives;
import dev.opcached.protocol.segment.EpochClock;
import java.io.IOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Opens the file cache the directives describe, for a process that compiles. */
public final class FileCaches {
    private static final Logger LOG = LoggerFactory.getLogger(FileCaches.class);

    private FileCaches() {
    }

    /**
     * The file cache, or null when {@code opcache.file_cache} is empty.
     *
     * @throws IllegalArgumentException an unsafe or unusable directory or key file, named with the fix
     */
    public static FileCache open(Directives config) {
        Optional<FileCacheConfig> cache = FileCacheConfig.from(config);
        if (cache.isEmpty()) {
            LOG.info("file cache off ({} is empty)", Directives.FILE_CACHE);
            return null;
        }
        try {
            return FileCache.open(cache.get(), EpochClock.SYSTEM);
        } catch (IOException e) {
            // A directory that cannot be made or read: a configuration problem, like a bad token file.
            throw new IllegalArgumentException(Directives.FILE_CACHE + "=" + cache.get().directory() + ": " + e.getMessage(), e);
        }
    }
}
