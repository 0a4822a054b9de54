package dev.opcached.protocol.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /status}: {@code opcache_get_status()}'s shape and key names, plus opcached's own
 * {@code workers}, {@code compiles} and {@code segment}. Times are epoch seconds, as in OPcache.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StatusResponse(
        @JsonProperty("opcache_enabled") boolean opcacheEnabled,
        @JsonProperty("cache_full") boolean cacheFull,
        @JsonProperty("restart_pending") boolean restartPending,
        @JsonProperty("restart_in_progress") boolean restartInProgress,
        @JsonProperty("memory_usage") MemoryUsage memoryUsage,
        @JsonProperty("opcache_statistics") OpcacheStatistics opcacheStatistics,
        @JsonProperty("scripts") Map<String, ScriptStatus> scripts,
        @JsonProperty("workers") List<WorkerStatus> workers,
        @JsonProperty("compiles") long compiles,
        @JsonProperty("segment") SegmentInfo segment) {

    /** {@code memory_usage}: used + free + wasted = the segment's size. */
    public record MemoryUsage(
            @JsonProperty("used_memory") long usedMemory,
            @JsonProperty("free_memory") long freeMemory,
            @JsonProperty("wasted_memory") long wastedMemory,
            @JsonProperty("current_wasted_percentage") double currentWastedPercentage) {
    }

    /** {@code opcache_statistics}, plus opcached's corruption restarts and recoveries. */
    public record OpcacheStatistics(
            @JsonProperty("num_cached_scripts") long numCachedScripts,
            @JsonProperty("num_cached_keys") long numCachedKeys,
            @JsonProperty("max_cached_keys") long maxCachedKeys,
            @JsonProperty("hits") long hits,
            @JsonProperty("start_time") long startTime,
            @JsonProperty("last_restart_time") long lastRestartTime,
            @JsonProperty("oom_restarts") long oomRestarts,
            @JsonProperty("hash_restarts") long hashRestarts,
            @JsonProperty("manual_restarts") long manualRestarts,
            @JsonProperty("corruption_restarts") long corruptionRestarts,
            @JsonProperty("recoveries") long recoveries,
            @JsonProperty("misses") long misses,
            @JsonProperty("blacklist_misses") long blacklistMisses,
            @JsonProperty("blacklist_miss_ratio") double blacklistMissRatio,
            @JsonProperty("opcache_hit_rate") double opcacheHitRate) {
    }

    /** One entry of {@code scripts}. */
    public record ScriptStatus(
            @JsonProperty("full_path") String fullPath,
            @JsonProperty("hits") long hits,
            @JsonProperty("memory_consumption") long memoryConsumption,
            @JsonProperty("last_used") String lastUsed,
            @JsonProperty("last_used_timestamp") long lastUsedTimestamp,
            @JsonProperty("timestamp") long timestamp) {
    }

    /**
     * One worker process of the pool; {@code state} is starting, serving, retiring or unresponsive,
     * {@code last_heartbeat} the time of its last report (0 before the first).
     */
    public record WorkerStatus(
            @JsonProperty("name") String name,
            @JsonProperty("pid") long pid,
            @JsonProperty("started") long started,
            @JsonProperty("restarts") long restarts,
            @JsonProperty("state") String state,
            @JsonProperty("last_heartbeat") long lastHeartbeat) {
    }

    /** The segment file behind the cache. */
    public record SegmentInfo(
            @JsonProperty("path") String path,
            @JsonProperty("size") long size,
            @JsonProperty("generation") long generation,
            @JsonProperty("creator_pid") long creatorPid,
            @JsonProperty("heartbeat") long heartbeat) {
    }
}
