package dev.opcached.protocol.bench;

import dev.opcached.protocol.segment.CachedEntry;
import dev.opcached.protocol.segment.CoarseEpochClock;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentAccess;
import dev.opcached.protocol.segment.SegmentFiles;
import dev.opcached.protocol.segment.SegmentKey;
import dev.opcached.protocol.segment.StoreOutcome;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The read side of an opcached segment on tmpfs, as a worker uses it: find a script's entry and
 * copy its class files out, or re-check that an entry it already loaded is still current.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 5, time = 1)
public class SegmentBenchmark {
    /** opcache.revalidate_freq's default, 2 s. */
    private static final long REVALIDATE_FREQ_MILLIS = 2_000;


    /** A segment holding {@code keyCount} entries of {@code payloadSize} bytes each, shared by all threads. */
    @State(Scope.Benchmark)
    public static class Data {
        @Param({"1024", "4096", "65536"})
        public int payloadSize;

        @Param({"1000", "100000"})
        public int keyCount;

        Path file;
        /** The writer that fills the segment, as the pool's compiler does. */
        Segment segment;
        /** What the measured reads go through: the segment as a worker maps it (read-only entries). */
        Segment worker;
        SegmentKey[] keys;
        int pickFrom;
        /** Entries "loaded" before measuring, for the current-entry check. */
        CachedEntry[] held;

        @Setup(Level.Trial)
        public void create() throws IOException {
            pickFrom = Workload.pickFrom(keyCount);
            var config = Workload.segmentConfig(payloadSize, keyCount);
            file = Workload.newFile("opcached-bench-segment");
            // The clock a worker gives its segment: a hit reads a field, not the system clock.
            segment = Segment.create(file, config, CoarseEpochClock.instance());
            keys = new SegmentKey[keyCount];
            held = new CachedEntry[keyCount];
            byte[] payload = new byte[payloadSize];
            for (int i = 0; i < keyCount; i++) {
                keys[i] = SegmentKey.of(Workload.path(i));
                Workload.fill(payload, i);
                StoreOutcome outcome = segment.store(keys[i], Workload.METADATA, payload);
                if (outcome != StoreOutcome.STORED) {
                    throw new IllegalStateException("store of key " + i + " returned " + outcome + " with " + config);
                }
            }
            worker = Segment.attach(file, CoarseEpochClock.instance(), SegmentAccess.READER);
            // Checked once, outside the measurement, so that the measured methods need no checks of their own.
            for (int i = 0; i < keyCount; i++) {
                held[i] = worker.peek(keys[i]);
                Workload.fill(payload, i);
                if (held[i] == null || !Arrays.equals(held[i].copyPayload(), payload) || !worker.hitIfCurrent(held[i])) {
                    throw new IllegalStateException("entry " + i + " does not read back");
                }
            }
        }

        @TearDown(Level.Trial)
        public void delete() throws IOException {
            try {
                if (worker != null) {
                    worker.close();
                }
                if (segment != null) {
                    segment.close();
                }
            } finally {
                if (file != null) {
                    SegmentFiles.delete(file);
                }
            }
        }
    }

    /** A hit: find the entry and copy its payload into a new array, checksum verified. */
    @Benchmark
    public byte[] lookupAndCopy(Data data, KeyPicker picker) {
        return data.worker.lookup(data.keys[picker.next(data.pickFrom)]).copyPayload();
    }

    /** A hit without the copy: index probe, entry header validation, key compare, hit counting. */
    @Benchmark
    public CachedEntry lookupOnly(Data data, KeyPicker picker) {
        return data.worker.lookup(data.keys[picker.next(data.pickFrom)]);
    }

    /** What a worker does per request for a script whose classes it has already defined. */
    @Benchmark
    public boolean currentCheck(Data data, KeyPicker picker) {
        return data.worker.hitIfCurrent(data.held[picker.next(data.pickFrom)]);
    }

    /**
     * What a worker does per request for such a script with revalidate_freq &gt; 0: the check, then
     * its try at the pool-wide revalidation claim (almost always "not due yet").
     */
    @Benchmark
    public boolean currentCheckAndClaim(Data data, KeyPicker picker) {
        CachedEntry entry = data.held[picker.next(data.pickFrom)];
        return data.worker.hitIfCurrent(entry) && data.worker.claimRevalidation(entry, REVALIDATE_FREQ_MILLIS);
    }

    /**
     * The current-entry check of one hot script by every thread (run with -t 2 or more): what a
     * pool does when most requests go to one page. Shows whether counting hits disturbs the
     * line that every check reads.
     */
    @Benchmark
    public boolean currentCheckHotKey(Data data) {
        return data.worker.hitIfCurrent(data.held[0]);
    }
}
