package dev.opcached.protocol.bench;

import java.util.concurrent.ConcurrentHashMap;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The floor: the same keys and payloads in an on-heap {@link ConcurrentHashMap} of one JVM, copied
 * out per get. No shared memory can beat it; it shows what sharing costs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 5, time = 1)
public class HeapBenchmark {

    /** A map of {@code keyCount} distinct arrays of {@code payloadSize} bytes each. */
    @State(Scope.Benchmark)
    public static class Data {
        @Param({"1024", "4096", "65536"})
        public int payloadSize;

        @Param({"1000", "100000"})
        public int keyCount;

        ConcurrentHashMap<String, byte[]> map;
        String[] keys;
        int pickFrom;

        @Setup(Level.Trial)
        public void create() {
            pickFrom = Workload.pickFrom(keyCount);
            // Refuses exactly the combinations the segment cannot hold, so that all run the same matrix.
            Workload.segmentConfig(payloadSize, keyCount);
            keys = Workload.paths(keyCount);
            map = new ConcurrentHashMap<>(keyCount * 2);
            for (int i = 0; i < keyCount; i++) {
                map.put(keys[i], Workload.payload(payloadSize, i));
            }
        }
    }

    /** Get and clone: the copy keeps the comparison with the stores that must copy honest. */
    @Benchmark
    public byte[] getClone(Data data, KeyPicker picker) {
        return data.map.get(data.keys[picker.next(data.pickFrom)]).clone();
    }
}
