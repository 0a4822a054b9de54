package dev.opcached.daemon.runtime;

import dev.opcached.daemon.config.Directives;
import dev.opcached.protocol.segment.SourceStamp;
import java.io.IOException;

/**
 * How the cache treats script files: OPcache's directives (timestamp validation, what may not be
 * cached) and opcached's bounds on compiling.
 *
 * @param maxConcurrentCompiles compiles one process runs at once (opcached.max_concurrent_compiles)
 */
public record CachePolicy(boolean validateTimestamps, long revalidateFreqMillis, long fileUpdateProtectionMillis,
                          long maxFileSize, Blacklist blacklist, long compileTimeoutMillis, int maxConcurrentCompiles) {

    public CachePolicy {
        if (maxConcurrentCompiles < 1) {
            throw new IllegalArgumentException("maxConcurrentCompiles must be at least 1: " + maxConcurrentCompiles);
        }
    }

    /** The policy the directives describe (reads the blacklist file). */
    public static CachePolicy of(Directives config) throws IOException {
        return new CachePolicy(config.flag(Directives.VALIDATE_TIMESTAMPS),
                config.number(Directives.REVALIDATE_FREQ) * 1000,
                config.number(Directives.FILE_UPDATE_PROTECTION) * 1000,
                config.number(Directives.MAX_FILE_SIZE),
                Blacklist.read(config.string(Directives.BLACKLIST_FILENAME)),
                config.number(Directives.COMPILE_TIMEOUT) * 1000,
                config.integer(Directives.MAX_CONCURRENT_COMPILES));
    }

    /** One script run once (opcached run): every use validated, everything cacheable, one compile at a time. */
    public static CachePolicy singleRun() {
        return new CachePolicy(true, 0, 0, 0, Blacklist.EMPTY, 30_000, 1);
    }

    /** Why a script of this stamp may not be cached apart from the blacklist (OPcache's rules), or null. */
    public String notCacheable(SourceStamp stamp, long nowMillis) {
        if (maxFileSize > 0 && stamp.size() > maxFileSize) {
            return "larger than opcache.max_file_size";
        }
        if (nowMillis - stamp.mtimeMillis() < fileUpdateProtectionMillis) {
            return "modified less than opcache.file_update_protection ago";
        }
        return null;
    }
}
