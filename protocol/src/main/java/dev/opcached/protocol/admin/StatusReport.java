package dev.opcached.protocol.admin;

import dev.opcached.protocol.segment.RestartReason;
import dev.opcached.protocol.segment.ScriptStatistics;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentReader;
import dev.opcached.protocol.segment.SegmentStatistics;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds a {@link StatusResponse} from what a segment holds: the one mapping from the segment's
 * figures to OPcache's vocabulary, used by the admin endpoint and by {@code opcachectl status --segment}.
 */
public final class StatusReport {
    /** ctime(3)'s format, which OPcache uses for {@code last_used}. */
    private static final DateTimeFormatter CTIME = DateTimeFormatter.ofPattern("EEE MMM d HH:mm:ss yyyy", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    private StatusReport() {
    }

    /** The status of an attached {@code segment}; see {@link #of(SegmentReader, boolean, List)}. */
    public static StatusResponse of(Segment segment, boolean includeScripts, List<StatusResponse.WorkerStatus> workers) {
        return of(segment.reader(), includeScripts, workers);
    }

    /**
     * The status of {@code segment}; with {@code includeScripts}, the per-script map too. Figures the
     * segment holds damaged ({@link SegmentStatistics#UNKNOWN}) are reported as -1.
     */
    public static StatusResponse of(SegmentReader segment, boolean includeScripts, List<StatusResponse.WorkerStatus> workers) {
        SegmentStatistics stats = segment.statistics();
        Map<String, StatusResponse.ScriptStatus> scripts = null;
        if (includeScripts) {
            scripts = new LinkedHashMap<>();
            for (ScriptStatistics script : segment.scripts()) {
                scripts.put(script.fullPath(), new StatusResponse.ScriptStatus(script.fullPath(), script.hits(),
                        script.memoryConsumption(), CTIME.format(Instant.ofEpochMilli(Math.max(0, script.lastUsedMillis()))),
                        seconds(script.lastUsedMillis()), script.timestampMillis() / 1000));
            }
        }
        return new StatusResponse(
                true,
                stats.cacheFull(),
                stats.restartPending() != RestartReason.NONE,
                false,
                new StatusResponse.MemoryUsage(stats.usedMemory(), stats.freeMemory(), stats.wastedMemory(),
                        stats.currentWastedPercentage()),
                new StatusResponse.OpcacheStatistics(
                        stats.numCachedScripts(), stats.numCachedKeys(), stats.maxCachedKeys(), stats.hits(),
                        seconds(stats.startTimeMillis()), seconds(stats.lastRestartTimeMillis()),
                        stats.oomRestarts(), stats.hashRestarts(), stats.manualRestarts(), stats.corruptionRestarts(),
                        stats.recoveries(), stats.misses(), stats.blacklistMisses(),
                        stats.blacklistMissRatio(), stats.hitRate()),
                scripts,
                workers,
                stats.compiles(),
                new StatusResponse.SegmentInfo(segment.path().toString(), stats.memoryConsumption(), stats.generation(),
                        stats.creatorPid(), seconds(stats.heartbeatMillis())));
    }

    /** Epoch milliseconds as seconds, keeping {@link SegmentStatistics#UNKNOWN} as it is. */
    private static long seconds(long millis) {
        return millis == SegmentStatistics.UNKNOWN ? SegmentStatistics.UNKNOWN : millis / 1000;
    }
}
