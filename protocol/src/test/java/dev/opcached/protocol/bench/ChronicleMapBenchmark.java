package dev.opcached.protocol.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import net.openhft.chronicle.map.ChronicleMap;
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
 * The nearest off-the-shelf peer of the segment: a Chronicle Map persisted to tmpfs, holding the
 * same keys and payloads, read back into a new {@code byte[]} per get.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 5, time = 1)
public class ChronicleMapBenchmark {

    /** A Chronicle Map file holding {@code keyCount} entries of {@code payloadSize} bytes each. */
    @State(Scope.Benchmark)
    public static class Data {
        @Param({"1024", "4096", "65536"})
        public int payloadSize;

        @Param({"1000", "100000"})
        public int keyCount;

        Path file;
        ChronicleMap<CharSequence, byte[]> map;
        String[] keys;
        int pickFrom;

        @Setup(Level.Trial)
        public void create() throws IOException {
            pickFrom = Workload.pickFrom(keyCount);
            // Refuses exactly the combinations the segment cannot hold, so that both run the same matrix.
            Workload.segmentConfig(payloadSize, keyCount);
            keys = Workload.paths(keyCount);
            file = Workload.newFile("opcached-bench-chronicle");
            map = ChronicleMap.of(CharSequence.class, byte[].class)
                    .name("opcached-bench")
                    .entries(keyCount)
                    .averageKey(keys[keyCount - 1])
                    .averageValueSize(payloadSize)
                    .createPersistedTo(file.toFile());
            byte[] payload = new byte[payloadSize];
            for (int i = 0; i < keyCount; i++) {
                Workload.fill(payload, i);
                map.put(keys[i], payload);
            }
            for (int i = 0; i < keyCount; i++) {
                Workload.fill(payload, i);
                if (!Arrays.equals(map.get(keys[i]), payload)) {
                    throw new IllegalStateException("entry " + i + " does not read back");
                }
            }
        }

        @TearDown(Level.Trial)
        public void delete() throws IOException {
            try {
                if (map != null) {
                    map.close();
                }
            } finally {
                if (file != null) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /**
     * Plain {@code get}: like {@code copyPayload()}, it returns a new array the caller owns. A
     * {@code getUsing} with a reused array would skip the allocation, which a worker that hands the
     * bytes on to {@code defineClass} per request cannot do either.
     */
    @Benchmark
    public byte[] getCopy(Data data, KeyPicker picker) {
        return data.map.get(data.keys[picker.next(data.pickFrom)]);
    }
}
