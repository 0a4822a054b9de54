package dev.opcached.protocol.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /status}: {@code opcache_get_status()}'s shape and key names, plus opcached's own
 * {@code workers}, {@code compiles} and {@code segment}. Times are epoch seconds, as in OPcache.
 * A figure that the segment holds damaged is unknown: a boxed field, written as JSON {@code null}
 * (never -1 or a time before the epoch) until the next write repairs the header.
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
        @JsonInclude(JsonInclude.Include.ALWAYS) @JsonProperty("compiles") Long compiles,
        @JsonProperty("file_cache_statistics") FileCacheStatistics fileCacheStatistics,
        @JsonProperty("segment") SegmentInfo segment,
        @JsonProperty("restart_history") List<RestartHistoryEntry> restartHistory) {

    /**
     * One of the last restarts of the cache (the segment's restart log), oldest first in
     * {@code restart_history}: when ({@code time}, epoch seconds), why ({@code reason}, as
     * {@code last_restart_reason}) and the generation it started.
     */
    public record RestartHistoryEntry(
            @JsonProperty("time") long time,
            @JsonProperty("reason") String reason,
            @JsonProperty("generation") long generation) {
    }

    /**
     * The sealed file cache's figures (opcache.file_cache) for the pool since it started; null
     * figures are unknown (damaged in the segment).
     */
    public record FileCacheStatistics(
            @JsonProperty("hits") Long hits,
            @JsonProperty("misses") Long misses,
            @JsonProperty("stores") Long stores,
            @JsonProperty("rejections") Long rejections,
            @JsonProperty("bytes") Long bytes,
            @JsonProperty("entries") Long entries) {
    }

    /** {@code memory_usage}: used + free + wasted = the segment's size (clamped, so always known). */
    public record MemoryUsage(
            @JsonProperty("used_memory") long usedMemory,
            @JsonProperty("free_memory") long freeMemory,
            @JsonProperty("wasted_memory") long wastedMemory,
            @JsonProperty("current_wasted_percentage") double currentWastedPercentage) {
    }

    /**
     * {@code opcache_statistics}, plus opcached's corruption and lost-segment restarts, the last
     * restart's reason and the recoveries; null for a figure that is unknown.
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record OpcacheStatistics(
            @JsonProperty("num_cached_scripts") Long numCachedScripts,
            @JsonProperty("num_cached_keys") Long numCachedKeys,
            @JsonProperty("max_cached_keys") long maxCachedKeys,
            @JsonProperty("hits") Long hits,
            @JsonProperty("start_time") Long startTime,
            @JsonProperty("last_restart_time") Long lastRestartTime,
            @JsonProperty("last_restart_reason") String lastRestartReason,
            @JsonProperty("oom_restarts") Long oomRestarts,
            @JsonProperty("hash_restarts") Long hashRestarts,
            @JsonProperty("manual_restarts") Long manualRestarts,
            @JsonProperty("corruption_restarts") Long corruptionRestarts,
            @JsonProperty("segment_lost_restarts") Long segmentLostRestarts,
            @JsonProperty("recoveries") Long recoveries,
            @JsonProperty("misses") Long misses,
            @JsonProperty("blacklist_misses") Long blacklistMisses,
            @JsonProperty("blacklist_miss_ratio") Double blacklistMissRatio,
            @JsonProperty("opcache_hit_rate") Double opcacheHitRate) {
    }

    /** One entry of {@code scripts}; null for a figure that is unknown. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record ScriptStatus(
            @JsonProperty("full_path") String fullPath,
            @JsonProperty("hits") Long hits,
            @JsonProperty("memory_consumption") long memoryConsumption,
            @JsonProperty("last_used") String lastUsed,
            @JsonProperty("last_used_timestamp") Long lastUsedTimestamp,
            @JsonProperty("timestamp") long timestamp) {
    }

    /**
     * One worker process of the pool; {@code state} is starting, serving, retiring or unresponsive,
     * {@code last_heartbeat} the time of its last report (0 before the first), {@code age} the
     * seconds since it was started, {@code rss} and {@code pss} its resident and proportional set
     * sizes in bytes, read at status time; each of the last three null when unknown (no process,
     * or its memory could not be read). {@code requests} is how many requests the process has
     * answered, as it last reported (about once a second); null before its first report.
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record WorkerStatus(
            @JsonProperty("name") String name,
            @JsonProperty("pid") long pid,
            @JsonProperty("started") long started,
            @JsonProperty("restarts") long restarts,
            @JsonProperty("state") String state,
            @JsonProperty("last_heartbeat") long lastHeartbeat,
            @JsonProperty("age") Long age,
            @JsonProperty("rss") Long rss,
            @JsonProperty("pss") Long pss,
            @JsonProperty("requests") Long requests) {
    }

    /** The segment file behind the cache; {@code heartbeat} null when unknown. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record SegmentInfo(
            @JsonProperty("path") String path,
            @JsonProperty("size") long size,
            @JsonProperty("generation") long generation,
            @JsonProperty("creator_pid") long creatorPid,
            @JsonProperty("heartbeat") Long heartbeat) {
    }
}
