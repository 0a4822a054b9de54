package dev.opcached.daemon.control;

import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * Durations counted into fixed buckets, in the process that times them, for its supervisor to
 * export (a Prometheus classic histogram: upper bounds in seconds, the last bucket +Inf). Any
 * thread may observe; a snapshot is consistent enough for monitoring (each bucket is exact, a
 * snapshot taken during an observation may miss it in the sum or in its bucket, never both twice).
 */
public final class DurationHistogram {
    /** Request durations: from half a millisecond (a cached hello) to the 10 s of a slow script. */
    public static final double[] REQUEST_SECONDS = {
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    /** Compile durations: from a warm one-file batch to javac's minute on a large application. */
    public static final double[] COMPILE_SECONDS = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    private final long[] upperBoundsNanos;
    /** One count per bucket (not cumulative); the last is +Inf. Adders: every event loop counts into them. */
    private final LongAdder[] counts;
    private final LongAdder sumNanos = new LongAdder();

    public DurationHistogram(double[] upperBoundsSeconds) {
        this.upperBoundsNanos = Arrays.stream(upperBoundsSeconds).mapToLong(s -> Math.round(s * 1e9)).toArray();
        this.counts = new LongAdder[upperBoundsSeconds.length + 1];
        Arrays.setAll(counts, i -> new LongAdder());
    }

    /** Counts one duration, in nanoseconds (a negative one, from a clock that went back, as 0). */
    public void observe(long nanos) {
        long duration = Math.max(0, nanos);
        int bucket = 0;
        while (bucket < upperBoundsNanos.length && duration > upperBoundsNanos[bucket]) {
            bucket++;
        }
        counts[bucket].increment();
        sumNanos.add(duration);
    }

    /** The counts so far. */
    public Counts snapshot() {
        return new Counts(Arrays.stream(counts).mapToLong(LongAdder::sum).toArray(), sumNanos.sum() / 1_000);
    }

    /**
     * A histogram's figures as they travel on the report pipe: the count of each bucket (not
     * cumulative, the last one +Inf) and the sum of the durations in microseconds.
     */
    public record Counts(long[] buckets, long sumMicros) {
        /** No observations in {@code buckets} buckets. */
        public static Counts empty(int buckets) {
            return new Counts(new long[buckets], 0);
        }

        /** How many durations were observed. */
        public long count() {
            return Arrays.stream(buckets).sum();
        }

        /** These counts plus {@code other}'s (of the same buckets; extra buckets of either are kept). */
        public Counts plus(Counts other) {
            long[] sum = Arrays.copyOf(buckets, Math.max(buckets.length, other.buckets.length));
            for (int i = 0; i < other.buckets.length; i++) {
                sum[i] += other.buckets[i];
            }
            return new Counts(sum, sumMicros + other.sumMicros);
        }

        /** On the wire: {@code SUM_MICROS/C0,C1,...}. */
        String text() {
            StringBuilder text = new StringBuilder().append(sumMicros).append('/');
            for (int i = 0; i < buckets.length; i++) {
                text.append(i == 0 ? "" : ",").append(buckets[i]);
            }
            return text.toString();
        }

        /** The counts {@code text} gives, or null when it is not such a text (or holds a negative figure). */
        static Counts parse(String text) {
            int slash = text.indexOf('/');
            if (slash < 0) {
                return null;
            }
            try {
                long sum = Long.parseLong(text.substring(0, slash));
                long[] buckets = Arrays.stream(text.substring(slash + 1).split(",", -1)).mapToLong(Long::parseLong).toArray();
                if (sum < 0 || buckets.length > 64 || Arrays.stream(buckets).anyMatch(c -> c < 0)) {
                    return null;
                }
                return new Counts(buckets, sum);
            } catch (NumberFormatException e) {
                return null;
            }
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Counts counts && sumMicros == counts.sumMicros && Arrays.equals(buckets, counts.buckets);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(buckets) + Long.hashCode(sumMicros);
        }

        @Override
        public String toString() {
            return text();
        }
    }
}
