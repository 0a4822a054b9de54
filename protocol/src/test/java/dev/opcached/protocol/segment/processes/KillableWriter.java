package dev.opcached.protocol.segment.processes;

import dev.opcached.protocol.segment.CompileClaim;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentKey;
import dev.opcached.protocol.testing.ChildMain;
import dev.opcached.protocol.testing.TestPayloads;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Child JVM that writes as fast as it can until it is killed: large payloads made in advance, so
 * that most of its time is spent holding the write lock; now and then a compile claimed and
 * abandoned, which releases its slot. Args: segment, keys, seed. Prints "ready".
 */
public final class KillableWriter {
    public static void main(String[] args) throws Exception {
        ChildMain.watchParent(null);
        int keys = Integer.parseInt(args[1]);
        SplittableRandom random = new SplittableRandom(Long.parseLong(args[2]));
        SegmentKey[] segmentKeys = new SegmentKey[keys];
        for (int i = 0; i < keys; i++) {
            segmentKeys[i] = SegmentKey.of(TestPayloads.path(i));
        }
        // Made before the loop, so that the loop spends nearly all its time inside store, holding
        // the lock: a kill at a random instant then lands mid-write nearly every time.
        byte[][] payloads = new byte[8][];
        for (int i = 0; i < payloads.length; i++) {
            payloads[i] = TestPayloads.payload(i, i, 64 * 1024 + random.nextInt(192 * 1024));
        }
        Segment segment = Segment.attach(Path.of(args[0]));
        System.out.println("ready");
        while (true) {
            int key = random.nextInt(keys);
            int op = random.nextInt(100);
            if (op < 85) {
                int which = random.nextInt(payloads.length);
                segment.store(segmentKeys[key], TestPayloads.metadata(which, payloads[which].length), payloads[which]);
            } else if (op < 95) {
                // A compile that fails: a key never stored releases its slot, among the stored keys' chains.
                SegmentKey broken = SegmentKey.of(TestPayloads.path(keys + key) + ".broken");
                if (segment.beginCompile(broken, 60_000).kind() == CompileClaim.Kind.OWNER) {
                    segment.abandonCompile(broken);
                }
            } else if (op < 99) {
                segment.invalidate(segmentKeys[key], true);
            } else {
                segment.reset();
            }
        }
    }
}
