package dev.opcached.daemon.metrics;

import dev.opcached.protocol.segment.FileCacheFigures;
import dev.opcached.protocol.segment.RestartReason;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentStatistics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The cache's figures, read from the segment at each scrape (the figures behind
 * {@code opcache_get_status()}; docs/admin-api.md lists each metric beside its OPcache key). The
 * segment's counters grow for the pool's whole life: a restart of the cache empties it, not them.
 * A segment that replaces a lost one carries them over as the supervisor last read them, up to a
 * second before the loss, so each counter is exported as the highest value a scrape has seen: it
 * never goes back, which Prometheus would take for a reset and count everything again.
 */
final class SegmentMetrics implements MultiCollector {
    /** The restart reasons with a counter of their own, in the order they are exported. */
    private static final List<RestartReason> REASONS = List.of(RestartReason.OOM, RestartReason.HASH,
            RestartReason.MANUAL, RestartReason.CORRUPTION, RestartReason.LOST);

    private final String pool;
    private final Supplier<Segment> segment;
    private final LongSupplier clockMillis;
    /** The highest value exported of each counter (by name and label value). */
    private final Map<String, Long> highest = new ConcurrentHashMap<>();

    SegmentMetrics(String pool, Supplier<Segment> segment, LongSupplier clockMillis) {
        this.pool = pool;
        this.segment = segment;
        this.clockMillis = clockMillis;
    }

    @Override
    public MetricSnapshots collect() {
        SegmentStatistics stats = segment.get().statistics();
        FileCacheFigures fileCache = stats.fileCache();
        long startMillis = stats.startTimeMillis();
        MetricFamilies families = new MetricFamilies(pool)
                .counter("opcached_hits", "Lookups that found the script cached (opcache_statistics.hits)",
                        neverBack("hits", stats.hits()))
                .counter("opcached_misses", "Lookups that did not (opcache_statistics.misses)", neverBack("misses", stats.misses()))
                .counter("opcached_blacklist_misses", "Lookups of blacklisted scripts (opcache_statistics.blacklist_misses)",
                        neverBack("blacklist_misses", stats.blacklistMisses()))
                .counter("opcached_compilations", "Sources compiled by javac, failures included",
                        neverBack("compilations", stats.compiles()))
                .counter("opcached_file_cache_hits", "Compile units loaded from the sealed file cache",
                        neverBack("file_cache_hits", fileCache.hits()))
                .counter("opcached_file_cache_misses", "File cache lookups that found no entry",
                        neverBack("file_cache_misses", fileCache.misses()))
                .counter("opcached_file_cache_stores", "Compile units written to the file cache",
                        neverBack("file_cache_stores", fileCache.stores()))
                .counter("opcached_file_cache_rejections",
                        "File cache entries refused (bad seal, damaged, foreign) and treated as misses",
                        neverBack("file_cache_rejections", fileCache.rejections()))
                .counter("opcached_recoveries", "Repairs of a segment header after a writer died under the lock",
                        neverBack("recoveries", stats.recoveries()))
                .counter("opcached_restarts", "Restarts of the cache, by reason (opcache_statistics.*_restarts)", "reason",
                        REASONS.stream().map(RestartReason::label).toList(),
                        List.of(neverBack("restarts_oom", stats.oomRestarts()), neverBack("restarts_hash", stats.hashRestarts()),
                                neverBack("restarts_manual", stats.manualRestarts()),
                                neverBack("restarts_corruption", stats.corruptionRestarts()),
                                neverBack("restarts_segment_lost", stats.lostRestarts())))
                .gauge("opcached_memory_used_bytes", "Segment bytes in use (memory_usage.used_memory)", Unit.BYTES,
                        stats.usedMemory())
                .gauge("opcached_memory_free_bytes", "Segment bytes free (memory_usage.free_memory)", Unit.BYTES,
                        stats.freeMemory())
                .gauge("opcached_memory_wasted_bytes", "Segment bytes held by replaced entries (memory_usage.wasted_memory)",
                        Unit.BYTES, stats.wastedMemory())
                .gauge("opcached_memory_size_bytes", "The segment's size (opcache.memory_consumption)", Unit.BYTES,
                        stats.memoryConsumption())
                .gauge("opcached_cached_scripts", "Scripts cached (opcache_statistics.num_cached_scripts)",
                        stats.numCachedScripts())
                .gauge("opcached_cached_keys", "Index keys in use (opcache_statistics.num_cached_keys)", stats.numCachedKeys())
                .gauge("opcached_max_cached_keys", "Index keys available (opcache_statistics.max_cached_keys)",
                        stats.maxCachedKeys())
                .gauge("opcached_cache_full", "1 when the cache is full (cache_full)", stats.cacheFull() ? 1 : 0)
                .gauge("opcached_generation", "The cache's generation: one more after each restart", stats.generation())
                .gauge("opcached_file_cache_bytes", "Bytes of the file cache's entries", Unit.BYTES, fileCache.bytes())
                .gauge("opcached_file_cache_entries", "Entries in the file cache", fileCache.entries());
        if (startMillis > 0) {
            families.gauge("opcached_start_time_seconds", "When the pool started (opcache_statistics.start_time)",
                            Unit.SECONDS, startMillis / 1000.0)
                    .gauge("opcached_uptime_seconds", "Seconds since the pool started", Unit.SECONDS,
                            Math.max(0, clockMillis.getAsLong() - startMillis) / 1000.0);
        }
        long lastRestart = stats.lastRestartTimeMillis();
        if (lastRestart > 0) {
            families.gauge("opcached_last_restart_time_seconds", "When the cache last restarted (last_restart_time)",
                    Unit.SECONDS, lastRestart / 1000.0);
        }
        return new MetricSnapshots(families.families());
    }

    /** A counter as it is exported: never below what was exported before; unknown (negative) stays unknown. */
    private long neverBack(String counter, long value) {
        return value < 0 ? value : highest.merge(counter, value, Math::max);
    }
}
