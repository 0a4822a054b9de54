package dev.opcached.client.cli;

import dev.opcached.protocol.admin.StatusResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** The human forms of opcachectl's output: a status summary like cachetool's, and the scripts table. */
final class Formats {
    private static final String UNKNOWN = "unknown";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    private Formats() {
    }

    /** The status summary; a figure the server reports as unknown (null) reads "unknown". */
    static String status(StatusResponse status, long nowSeconds) {
        StatusResponse.MemoryUsage memory = status.memoryUsage();
        StatusResponse.OpcacheStatistics stats = status.opcacheStatistics();
        long total = memory.usedMemory() + memory.freeMemory() + memory.wastedMemory();
        StringBuilder out = new StringBuilder();
        row(out, "Enabled", yesNo(status.opcacheEnabled()));
        row(out, "Cache full", yesNo(status.cacheFull()));
        row(out, "Restart pending", yesNo(status.restartPending()));
        row(out, "Memory used", size(memory.usedMemory()) + " (" + percent(memory.usedMemory(), total) + ")");
        row(out, "Memory free", size(memory.freeMemory()) + " (" + percent(memory.freeMemory(), total) + ")");
        row(out, "Memory wasted", size(memory.wastedMemory()) + " (" + percent(memory.currentWastedPercentage()) + ")");
        row(out, "Cached scripts", figure(stats.numCachedScripts()) + " (keys " + figure(stats.numCachedKeys()) + " of max "
                + stats.maxCachedKeys() + ")");
        row(out, "Hits", figure(stats.hits()));
        row(out, "Misses", figure(stats.misses()));
        row(out, "Blacklist misses", figure(stats.blacklistMisses()));
        row(out, "Hit rate", percent(stats.opcacheHitRate()));
        row(out, "Compiles", figure(status.compiles()));
        StatusResponse.FileCacheStatistics fileCache = status.fileCacheStatistics();
        if (fileCache != null) {
            row(out, "File cache", "hits " + figure(fileCache.hits()) + ", misses " + figure(fileCache.misses())
                    + ", stores " + figure(fileCache.stores()) + ", rejections " + figure(fileCache.rejections()) + ", "
                    + (fileCache.bytes() == null ? UNKNOWN : size(fileCache.bytes())) + " in "
                    + figure(fileCache.entries()) + " entries");
        }
        row(out, "Restarts", "oom " + figure(stats.oomRestarts()) + ", hash " + figure(stats.hashRestarts())
                + ", manual " + figure(stats.manualRestarts()) + ", corruption " + figure(stats.corruptionRestarts())
                + ", segment lost " + figure(stats.segmentLostRestarts()));
        row(out, "Last restart", lastRestart(stats));
        row(out, "Started", time(stats.startTime()));
        row(out, "Uptime", stats.startTime() == null ? UNKNOWN : duration(nowSeconds - stats.startTime()));
        if (status.workers() != null) {
            for (StatusResponse.WorkerStatus worker : status.workers()) {
                row(out, "Worker " + worker.name(), (worker.pid() > 0 ? "pid " + worker.pid() : "no process")
                        + (worker.state() == null ? "" : ", " + worker.state()) + ", restarts " + worker.restarts()
                        + workerLife(worker) + (worker.requests() == null ? "" : ", requests " + worker.requests()));
            }
        }
        if (status.segment() != null) {
            row(out, "Segment", status.segment().path() + " (" + size(status.segment().size()) + ", generation "
                    + status.segment().generation() + ")");
        }
        return out.toString();
    }

    /**
     * The rows a watch shows above the status summary: the requests per second and the hit rate
     * since the previous refresh.
     */
    static String rates(StatusRates rates) {
        StringBuilder out = new StringBuilder();
        row(out, "Requests/s", requestsPerSecond(rates) + (rates.intervalSeconds() == null ? " (from the next refresh on)"
                : String.format(Locale.ROOT, " (over the last %.1f s)", rates.intervalSeconds())));
        row(out, "Interval hit rate", intervalHitRate(rates));
        return out.toString();
    }

    /** Requests per second since the previous refresh; "-" when it cannot be told ({@link StatusRates}). */
    static String requestsPerSecond(StatusRates rates) {
        return rates.requestsPerSecond() == null ? "-" : String.format(Locale.ROOT, "%.1f", rates.requestsPerSecond());
    }

    /** The hit rate since the previous refresh; "-" when it cannot be told ({@link StatusRates}). */
    static String intervalHitRate(StatusRates rates) {
        return rates.hitRate() == null ? "-" : percent(rates.hitRate());
    }

    /**
     * A live worker's age and memory; nothing for a slot without a process, or from a server that
     * reports neither (one older than these keys).
     */
    private static String workerLife(StatusResponse.WorkerStatus worker) {
        if (worker.age() == null) {
            return "";
        }
        return ", age " + duration(worker.age()) + ", RSS " + (worker.rss() == null ? UNKNOWN : size(worker.rss()))
                + ", PSS " + (worker.pss() == null ? UNKNOWN : size(worker.pss()));
    }

    private static String lastRestart(StatusResponse.OpcacheStatistics stats) {
        Long time = stats.lastRestartTime();
        if (time != null && time == 0) {
            return "never";
        }
        String reason = stats.lastRestartReason();
        return time(time) + (reason == null || reason.equals("none") ? "" : " (" + reason + ")");
    }

    /** Which column the scripts table is sorted by. */
    enum ScriptOrder {
        hits, memory, path
    }

    static String scripts(StatusResponse status, ScriptOrder order, Pattern filter) {
        Comparator<StatusResponse.ScriptStatus> comparator = switch (order) {
            case hits -> Comparator.comparing(StatusResponse.ScriptStatus::hits,
                    Comparator.nullsLast(Comparator.<Long>reverseOrder()));
            case memory -> Comparator.comparingLong(StatusResponse.ScriptStatus::memoryConsumption).reversed();
            case path -> Comparator.comparing(StatusResponse.ScriptStatus::fullPath);
        };
        List<StatusResponse.ScriptStatus> scripts = status.scripts() == null ? List.of()
                : status.scripts().values().stream()
                        .filter(s -> filter == null || filter.matcher(s.fullPath()).find())
                        .sorted(comparator.thenComparing(StatusResponse.ScriptStatus::fullPath)).toList();
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%10s  %10s  %-19s  %s%n", "Hits", "Memory", "Last used", "Path"));
        for (StatusResponse.ScriptStatus script : scripts) {
            Long lastUsed = script.lastUsedTimestamp();
            out.append(String.format(Locale.ROOT, "%10s  %10s  %-19s  %s%n", figure(script.hits()),
                    size(script.memoryConsumption()), lastUsed != null && lastUsed == 0 ? "-" : time(lastUsed),
                    script.fullPath()));
        }
        out.append(scripts.size()).append(scripts.size() == 1 ? " script" : " scripts").append(System.lineSeparator());
        return out.toString();
    }

    /** A figure the server reports as unknown (null): a damaged header, until the next write repairs it. */
    static String figure(Long value) {
        return value == null ? UNKNOWN : Long.toString(value);
    }

    /** An epoch-seconds time, or "unknown". */
    static String time(Long epochSeconds) {
        return epochSeconds == null ? UNKNOWN : TIME.format(Instant.ofEpochSecond(epochSeconds));
    }

    /** A percentage, or "unknown". */
    static String percent(Double value) {
        return value == null ? UNKNOWN : String.format(Locale.ROOT, "%.2f %%", value);
    }

    private static void row(StringBuilder out, String label, String value) {
        out.append(String.format(Locale.ROOT, "%-18s %s%n", label, value));
    }

    private static String yesNo(boolean value) {
        return value ? "yes" : "no";
    }

    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    private static String percent(long part, long whole) {
        return whole == 0 ? "0.00 %" : String.format(Locale.ROOT, "%.2f %%", 100.0 * part / whole);
    }

    static String duration(long seconds) {
        Duration d = Duration.ofSeconds(Math.max(0, seconds));
        return d.toDaysPart() > 0 ? String.format(Locale.ROOT, "%dd %dh %dm", d.toDaysPart(), d.toHoursPart(), d.toMinutesPart())
                : String.format(Locale.ROOT, "%dh %dm %ds", d.toHoursPart(), d.toMinutesPart(), d.toSecondsPart());
    }
}
