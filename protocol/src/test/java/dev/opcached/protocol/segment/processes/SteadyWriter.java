package dev.opcached.protocol.segment.processes;

import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentKey;
import dev.opcached.protocol.testing.ChildMain;
import dev.opcached.protocol.testing.TestPayloads;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Child JVM that keeps storing small entries and measures the longest gap between two of its
 * stores, until its stdin closes. Args: segment, firstKey, keys. Prints "ready", then
 * "done stores=N maxGapMillis=N".
 */
public final class SteadyWriter {
    public static void main(String[] args) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        ChildMain.watchParent(() -> stop.set(true));
        int firstKey = Integer.parseInt(args[1]);
        int keys = Integer.parseInt(args[2]);
        long stores = 0;
        long maxGap = 0;
        try (Segment segment = Segment.attach(Path.of(args[0]))) {
            System.out.println("ready");
            long last = System.nanoTime();
            long version = 1;
            while (!stop.get()) {
                int key = firstKey + (int) (version % keys);
                segment.store(SegmentKey.of(TestPayloads.path(key)), TestPayloads.metadata(version, 100),
                        TestPayloads.payload(key, version, 100));
                version++;
                stores++;
                long now = System.nanoTime();
                maxGap = Math.max(maxGap, now - last);
                last = now;
            }
        }
        System.out.println("done stores=" + stores + " maxGapMillis=" + maxGap / 1_000_000);
    }
}
