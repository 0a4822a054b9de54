package dev.opcached.protocol.segment;

/**
 * A snapshot of the figures behind {@code opcache_get_status()}, read from the segment.
 * Memory figures add up: used + free + wasted = memory consumption.
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
        long heartbeatMillis) {

    /** Wasted memory as a percentage of the whole segment, as OPcache reports it. */
    public double currentWastedPercentage() {
        return memoryConsumption == 0 ? 0 : 100.0 * wastedMemory / memoryConsumption;
    }

    /** Hits as a percentage of lookups. */
    public double hitRate() {
        long lookups = hits + misses;
        return lookups == 0 ? 0 : 100.0 * hits / lookups;
    }
}
