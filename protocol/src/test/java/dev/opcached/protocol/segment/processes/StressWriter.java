package dev.opcached.protocol.segment.processes;

import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentKey;
import dev.opcached.protocol.testing.ChildMain;
import dev.opcached.protocol.testing.TestPayloads;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Child JVM: stores, replaces, invalidates and resets for a while.
 * Args: segment, keys, durationMillis, maxPayloadBytes, seed. Prints "ready", then "done ...".
 */
public final class StressWriter {
    public static void main(String[] args) throws Exception {
        ChildMain.watchParent(null);
        Path path = Path.of(args[0]);
        int keys = Integer.parseInt(args[1]);
        long duration = Long.parseLong(args[2]);
        int maxPayload = Integer.parseInt(args[3]);
        SplittableRandom random = new SplittableRandom(Long.parseLong(args[4]));
        SegmentKey[] segmentKeys = new SegmentKey[keys];
        for (int i = 0; i < keys; i++) {
            segmentKeys[i] = SegmentKey.of(TestPayloads.path(i));
        }
        long stores = 0;
        long invalidations = 0;
        long resets = 0;
        long prefixInvalidations = 0;
        try (Segment segment = Segment.attach(path)) {
            System.out.println("ready");
            long end = System.currentTimeMillis() + duration;
            long version = random.nextLong(1, 1L << 40);
            while (System.currentTimeMillis() < end) {
                int key = random.nextInt(keys);
                int op = random.nextInt(1000);
                if (op < 900) {
                    int size = 1 + random.nextInt(maxPayload);
                    version++;
                    segment.store(segmentKeys[key], TestPayloads.metadata(version, size), TestPayloads.payload(key, version, size));
                    stores++;
                } else if (op < 990) {
                    segment.invalidate(segmentKeys[key], true);
                    invalidations++;
                } else if (op < 997) {
                    segment.invalidatePrefix(TestPayloads.path(key).substring(0, TestPayloads.path(key).length() - 6));
                    prefixInvalidations++;
                } else {
                    segment.reset();
                    resets++;
                }
            }
        }
        System.out.println("done stores=" + stores + " invalidations=" + invalidations + " prefix=" + prefixInvalidations
                + " resets=" + resets);
    }
}
