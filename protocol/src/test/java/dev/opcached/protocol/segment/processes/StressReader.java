package dev.opcached.protocol.segment.processes;

import dev.opcached.protocol.segment.CachedEntry;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentKey;
import dev.opcached.protocol.testing.ChildMain;
import dev.opcached.protocol.testing.TestPayloads;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Child JVM: several threads look keys up, copy payloads out and verify each one completely.
 * Args: segment, keys, durationMillis, threads. Prints "ready", then
 * "result verified=N stale=N misses=N current=N torn=N" and the first problem seen, if any.
 */
public final class StressReader {
    public static void main(String[] args) throws Exception {
        ChildMain.watchParent(null);
        Path path = Path.of(args[0]);
        int keys = Integer.parseInt(args[1]);
        long duration = Long.parseLong(args[2]);
        int threads = Integer.parseInt(args[3]);
        SegmentKey[] segmentKeys = new SegmentKey[keys];
        for (int i = 0; i < keys; i++) {
            segmentKeys[i] = SegmentKey.of(TestPayloads.path(i));
        }
        AtomicLong verified = new AtomicLong();
        AtomicLong stale = new AtomicLong();
        AtomicLong misses = new AtomicLong();
        AtomicLong current = new AtomicLong();
        AtomicLong torn = new AtomicLong();
        AtomicReference<String> firstProblem = new AtomicReference<>();
        try (Segment segment = Segment.attach(path)) {
            System.out.println("ready");
            long end = System.currentTimeMillis() + duration;
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long seed = ProcessHandle.current().pid() * 31 + t;
                Thread worker = new Thread(() -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    CachedEntry[] held = new CachedEntry[keys];
                    while (System.currentTimeMillis() < end) {
                        int key = random.nextInt(keys);
                        if (held[key] != null && segment.hitIfCurrent(held[key])) {
                            current.incrementAndGet();
                            continue;
                        }
                        CachedEntry entry = segment.lookup(segmentKeys[key]);
                        if (entry == null) {
                            misses.incrementAndGet();
                            held[key] = null;
                            continue;
                        }
                        byte[] payload = entry.copyPayload();
                        if (payload == null) {
                            stale.incrementAndGet();
                            continue;
                        }
                        String problem = TestPayloads.problem(key, entry.metadata(), payload);
                        if (problem != null) {
                            torn.incrementAndGet();
                            firstProblem.compareAndSet(null, problem);
                        } else {
                            verified.incrementAndGet();
                            held[key] = entry;
                        }
                    }
                }, "reader-" + t);
                workers.add(worker);
                worker.start();
            }
            for (Thread worker : workers) {
                worker.join();
            }
        }
        System.out.println("result verified=" + verified + " stale=" + stale + " misses=" + misses
                + " current=" + current + " torn=" + torn);
        if (firstProblem.get() != null) {
            System.out.println("problem " + firstProblem.get());
        }
    }
}
