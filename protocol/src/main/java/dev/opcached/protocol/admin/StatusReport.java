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
     * segment holds damaged ({@link SegmentStatistics#UNKNOWN}) are reported as null.
     */
    public static StatusResponse of(SegmentReader segment, boolean includeScripts, List<StatusResponse.WorkerStatus> workers) {
        SegmentStatistics stats = segment.statistics();
        Map<String, StatusResponse.ScriptStatus> scripts = null;
        if (includeScripts) {
            scripts = new LinkedHashMap<>();
            for (ScriptStatistics script : segment.scripts()) {
                long lastUsed = script.lastUsedMillis();
                scripts.put(script.fullPath(), new StatusResponse.ScriptStatus(script.fullPath(), known(script.hits()),
                        script.memoryConsumption(),
                        lastUsed == SegmentStatistics.UNKNOWN ? null : CTIME.format(Instant.ofEpochMilli(lastUsed)),
                        seconds(lastUsed), script.timestampMillis() / 1000));
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
                        known(stats.numCachedScripts()), known(stats.numCachedKeys()), stats.maxCachedKeys(),
                        known(stats.hits()), seconds(stats.startTimeMillis()), seconds(stats.lastRestartTimeMillis()),
                        stats.lastRestartReason().label(),
                        known(stats.oomRestarts()), known(stats.hashRestarts()), known(stats.manualRestarts()),
                        known(stats.corruptionRestarts()), known(stats.lostRestarts()), known(stats.recoveries()),
                        known(stats.misses()), known(stats.blacklistMisses()),
                        known(stats.blacklistMissRatio()), known(stats.hitRate())),
                scripts,
                workers,
                known(stats.compiles()),
                new StatusResponse.FileCacheStatistics(known(stats.fileCache().hits()), known(stats.fileCache().misses()),
                        known(stats.fileCache().stores()), known(stats.fileCache().rejections()),
                        known(stats.fileCache().bytes()), known(stats.fileCache().entries())),
                new StatusResponse.SegmentInfo(segment.path().toString(), stats.memoryConsumption(), stats.generation(),
                        stats.creatorPid(), seconds(stats.heartbeatMillis())),
                segment.restartLog().stream().map(restart -> new StatusResponse.RestartHistoryEntry(
                        restart.millis() / 1000, restart.reason().label(), restart.generation())).toList());
    }

    /** A figure as status reports it: null when unknown. */
    private static Long known(long figure) {
        return figure == SegmentStatistics.UNKNOWN ? null : figure;
    }

    /** A percentage as status reports it: null when unknown. */
    private static Double known(double percentage) {
        return percentage == SegmentStatistics.UNKNOWN ? null : percentage;
    }

    /** Epoch milliseconds as seconds; null when unknown. */
    private static Long seconds(long millis) {
        return millis == SegmentStatistics.UNKNOWN ? null : millis / 1000;
    }
}
