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
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    private Formats() {
    }

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
        row(out, "Memory wasted", size(memory.wastedMemory()) + " ("
                + String.format(Locale.ROOT, "%.2f %%", memory.currentWastedPercentage()) + ")");
        row(out, "Cached scripts", stats.numCachedScripts() + " (keys " + stats.numCachedKeys() + " of max "
                + stats.maxCachedKeys() + ")");
        row(out, "Hits", Long.toString(stats.hits()));
        row(out, "Misses", Long.toString(stats.misses()));
        row(out, "Blacklist misses", Long.toString(stats.blacklistMisses()));
        row(out, "Hit rate", String.format(Locale.ROOT, "%.2f %%", stats.opcacheHitRate()));
        row(out, "Compiles", Long.toString(status.compiles()));
        row(out, "Restarts", "oom " + stats.oomRestarts() + ", hash " + stats.hashRestarts() + ", manual "
                + stats.manualRestarts() + ", corruption " + stats.corruptionRestarts());
        row(out, "Last restart", stats.lastRestartTime() == 0 ? "never" : TIME.format(Instant.ofEpochSecond(stats.lastRestartTime())));
        row(out, "Started", TIME.format(Instant.ofEpochSecond(stats.startTime())));
        row(out, "Uptime", duration(nowSeconds - stats.startTime()));
        if (status.workers() != null) {
            for (StatusResponse.WorkerStatus worker : status.workers()) {
                row(out, "Worker " + worker.name(), (worker.pid() > 0 ? "pid " + worker.pid() : "restarting")
                        + ", restarts " + worker.restarts());
            }
        }
        if (status.segment() != null) {
            row(out, "Segment", status.segment().path() + " (" + size(status.segment().size()) + ", generation "
                    + status.segment().generation() + ")");
        }
        return out.toString();
    }

    /** Which column the scripts table is sorted by. */
    enum ScriptOrder {
        hits, memory, path
    }

    static String scripts(StatusResponse status, ScriptOrder order, Pattern filter) {
        Comparator<StatusResponse.ScriptStatus> comparator = switch (order) {
            case hits -> Comparator.comparingLong(StatusResponse.ScriptStatus::hits).reversed();
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
            out.append(String.format(Locale.ROOT, "%10d  %10s  %-19s  %s%n", script.hits(), size(script.memoryConsumption()),
                    script.lastUsedTimestamp() == 0 ? "-" : TIME.format(Instant.ofEpochSecond(script.lastUsedTimestamp())),
                    script.fullPath()));
        }
        out.append(scripts.size()).append(scripts.size() == 1 ? " script" : " scripts").append(System.lineSeparator());
        return out.toString();
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
