package dev.opcached.daemon.metrics;

import dev.opcached.daemon.control.DurationHistogram;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The metric families of one scrape, built from figures read at scrape time, each data point with
 * the pool's label first. A figure that is unknown (negative: the segment holds it damaged) is
 * left out rather than exported as a value it never had.
 */
final class MetricFamilies {
    private final Labels pool;
    private final List<MetricSnapshot> families = new ArrayList<>();

    MetricFamilies(String pool) {
        this.pool = Labels.of("pool", pool);
    }

    /** A counter (exported with {@code _total}); {@code name} without it. */
    MetricFamilies counter(String name, String help, long value) {
        if (value >= 0) {
            families.add(CounterSnapshot.builder().name(name).help(help)
                    .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(pool).value(value).build())
                    .build());
        }
        return this;
    }

    /** A counter with one data point per value of {@code label}: {@code values[i]} for {@code labelValues[i]}. */
    MetricFamilies counter(String name, String help, String label, List<String> labelValues, List<Long> values) {
        CounterSnapshot.Builder family = CounterSnapshot.builder().name(name).help(help);
        for (int i = 0; i < labelValues.size(); i++) {
            if (values.get(i) >= 0) {
                family.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                        .labels(pool.add(label, labelValues.get(i))).value(values.get(i)).build());
            }
        }
        families.add(family.build());
        return this;
    }

    MetricFamilies gauge(String name, String help, double value) {
        return gauge(name, help, null, value);
    }

    /** A gauge; {@code unit} (or null) must be the last part of {@code name}, as Prometheus' conventions ask. */
    MetricFamilies gauge(String name, String help, Unit unit, double value) {
        if (value >= 0) {
            GaugeSnapshot.Builder family = GaugeSnapshot.builder().name(name).help(help);
            if (unit != null) {
                family.unit(unit);
            }
            families.add(family.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(pool).value(value).build())
                    .build());
        }
        return this;
    }

    /**
     * A histogram in seconds, one data point per value of {@code label} (none: {@code label} null,
     * one point), from counts over {@code upperBoundsSeconds} (plus +Inf).
     */
    MetricFamilies histogram(String name, String help, double[] upperBoundsSeconds, String label,
                             List<String> labelValues, List<DurationHistogram.Counts> counts) {
        HistogramSnapshot.Builder family = HistogramSnapshot.builder().name(name).help(help).unit(Unit.SECONDS);
        double[] bounds = Arrays.copyOf(upperBoundsSeconds, upperBoundsSeconds.length + 1);
        bounds[upperBoundsSeconds.length] = Double.POSITIVE_INFINITY;
        for (int i = 0; i < counts.size(); i++) {
            DurationHistogram.Counts point = counts.get(i);
            if (point == null || point.buckets().length != bounds.length) {
                continue; // not reported yet, or by a process with other buckets: nothing sound to add
            }
            family.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                    .labels(label == null ? pool : pool.add(label, labelValues.get(i)))
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, point.buckets()))
                    .sum(point.sumMicros() / 1e6)
                    .build());
        }
        families.add(family.build());
        return this;
    }

    List<MetricSnapshot> families() {
        return families;
    }
}
