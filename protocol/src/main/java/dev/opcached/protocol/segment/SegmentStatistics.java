package dev.opcached.protocol.segment;

/**
 * A snapshot of the figures behind {@code opcache_get_status()}, read from the segment.
 * Memory figures add up: used + free + wasted = memory consumption.
 *
 * <p>Figures are read without the lock from a header that damage may have changed; a figure that
 * no sound segment can hold (a negative counter, a key count outside 0..max_cached_keys, a time
 * before the epoch or more than a day ahead of the reader's clock) is {@link #UNKNOWN} (-1)
 * until the next writer repairs the header. Memory figures are clamped instead, so that they
 * still add up.
 */
public record SegmentStatistics(
        long memoryConsumption,
        long usedMemory,
        long freeMemory,
        long wastedMemory,
        boolean cacheFull,
        RestartReason restartPending,
        int numCachedScripts,
        int numCachedKeys,
        int maxCachedKeys,
        long hits,
        long misses,
        long blacklistMisses,
        long stores,
        long startTimeMillis,
        long lastRestartTimeMillis,
        RestartReason lastRestartReason,
        long oomRestarts,
        long hashRestarts,
        long manualRestarts,
        long corruptionRestarts,
        long recoveries,
        long compiles,
        long generation,
        long creatorPid,
        long heartbeatMillis,
        long lostRestarts,
        FileCacheFigures fileCache) {

    /** The value of a figure that the segment holds damaged. */
    public static final long UNKNOWN = -1;

    /** Wasted memory as a percentage of the whole segment, as OPcache reports it. */
    public double currentWastedPercentage() {
        return memoryConsumption == 0 ? 0 : 100.0 * wastedMemory / memoryConsumption;
    }

    /** Hits as a percentage of lookups, 0..100; {@link #UNKNOWN} when hits or misses are. */
    public double hitRate() {
        if (hits < 0 || misses < 0) {
            return UNKNOWN;
        }
        long lookups = hits + misses;
        return lookups <= 0 ? 0 : 100.0 * hits / lookups;
    }

    /** Blacklist misses as a percentage of lookups, 0..100; {@link #UNKNOWN} when any figure is. */
    public double blacklistMissRatio() {
        if (hits < 0 || misses < 0 || blacklistMisses < 0) {
            return UNKNOWN;
        }
        long lookups = hits + misses;
        return lookups <= 0 ? 0 : Math.min(100.0, 100.0 * blacklistMisses / lookups);
    }
}
