package dev.opcached.daemon.control;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a pool process counted since it started, sent about once a second on the report pipe as
 * {@code figures NAME=VALUE ...}: counters as whole numbers, histograms as
 * {@link DurationHistogram.Counts} ({@code SUM_MICROS/C0,C1,...}). The supervisor keeps each
 * process's last figures and exports them; a figure it does not know is ignored, so either side
 * may add one first.
 *
 * <pre>
 *   worker:   figures requests=1520 request_duration=801233/12,900,500,...
 *   compiler: figures batches=14 sources=230 failures=2 compile_duration=5120000/0,0,3,...
 * </pre>
 */
public record ProcessFigures(Map<String, Long> counters, Map<String, DurationHistogram.Counts> histograms) {
    public static final ProcessFigures NONE = new ProcessFigures(Map.of(), Map.of());
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");

    public ProcessFigures {
        counters = Map.copyOf(counters);
        histograms = Map.copyOf(histograms);
    }

    /** A counter, 0 when not reported. */
    public long counter(String name) {
        return counters.getOrDefault(name, 0L);
    }

    /** A histogram, null when not reported. */
    public DurationHistogram.Counts histogram(String name) {
        return histograms.get(name);
    }

    /** These figures plus {@code other}'s, name by name (a dead process's figures added to the next one's). */
    public ProcessFigures plus(ProcessFigures other) {
        Map<String, Long> counters = new LinkedHashMap<>(this.counters);
        other.counters.forEach((name, value) -> counters.merge(name, value, Long::sum));
        Map<String, DurationHistogram.Counts> histograms = new LinkedHashMap<>(this.histograms);
        other.histograms.forEach((name, value) -> histograms.merge(name, value, DurationHistogram.Counts::plus));
        return new ProcessFigures(counters, histograms);
    }

    /** The report carrying these figures. */
    public WorkerReport report() {
        StringBuilder detail = new StringBuilder();
        counters.forEach((name, value) -> detail.append(detail.length() == 0 ? "" : " ").append(name).append('=').append(value));
        histograms.forEach((name, value) -> detail.append(detail.length() == 0 ? "" : " ").append(name).append('=')
                .append(value.text()));
        return new WorkerReport(WorkerReport.Kind.FIGURES, detail.toString());
    }

    /** The figures a report's detail gives; pairs that are not well formed are left out. */
    public static ProcessFigures parse(String detail) {
        Map<String, Long> counters = new LinkedHashMap<>();
        Map<String, DurationHistogram.Counts> histograms = new LinkedHashMap<>();
        for (String pair : detail.strip().split(" +")) {
            int equals = pair.indexOf('=');
            if (equals <= 0 || !NAME.matcher(pair.substring(0, equals)).matches()) {
                continue;
            }
            String name = pair.substring(0, equals);
            String value = pair.substring(equals + 1);
            if (value.indexOf('/') >= 0) {
                DurationHistogram.Counts counts = DurationHistogram.Counts.parse(value);
                if (counts != null) {
                    histograms.put(name, counts);
                }
            } else {
                try {
                    long number = Long.parseLong(value);
                    if (number >= 0) {
                        counters.put(name, number);
                    }
                } catch (NumberFormatException e) {
                    // not a figure: left out
                }
            }
        }
        return new ProcessFigures(counters, histograms);
    }
}
