package dev.opcached.protocol.bench;

import dev.opcached.protocol.segment.EntryLayout;
import dev.opcached.protocol.segment.EntryMetadata;
import dev.opcached.protocol.segment.SegmentConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The data every benchmark in this package reads: the same keys and the same payload bytes for
 * each store, so that the stores differ only in how they keep and return them.
 */
final class Workload {
    /** Where the scripts/bench-jmh launcher (run by scripts/bench) puts a directory it removes afterwards, whatever happens. */
    static final String DIRECTORY_PROPERTY = "opcached.bench.dir";
    /**
     * When set to N, every benchmark picks only among its first N keys: a control that keeps the
     * store's size but shrinks the working set, to tell index growth from cache and TLB misses.
     */
    static final String HOT_KEYS_PROPERTY = "opcached.bench.hotKeys";

    static final EntryMetadata METADATA = new EntryMetadata(1_700_000_000_000L, 12_345, 42, 1_700_000_001_000L, 2_500);

    private static final AtomicInteger FILES = new AtomicInteger();
    private static final AtomicInteger PICKERS = new AtomicInteger();

    private Workload() {
    }

    /**
     * A script path of realistic length (about 70 UTF-8 bytes); spread over directories the way a
     * real application is, so that keys share long prefixes and differ near the end.
     */
    static String path(int index) {
        return String.format("/srv/www/app/src/main/java/com/example/module%03d/Controller%06d.java",
                index % 1000, index);
    }

    static String[] paths(int keyCount) {
        String[] paths = new String[keyCount];
        for (int i = 0; i < keyCount; i++) {
            paths[i] = path(i);
        }
        return paths;
    }

    /**
     * Fills {@code payload} with bytes that depend on the key index, so that no two entries are
     * alike and nothing can be deduplicated or compressed away.
     */
    static void fill(byte[] payload, int index) {
        new SplittableRandom(0x9E3779B97F4A7C15L * (index + 1)).nextBytes(payload);
    }

    static byte[] payload(int payloadSize, int index) {
        byte[] payload = new byte[payloadSize];
        fill(payload, index);
        return payload;
    }

    /**
     * The segment size that holds every entry. Every store is sized the same way so that they all
     * run the same matrix; a combination that no segment can hold is refused for all of them,
     * since a peer's number without an opcached number to compare it with would mean nothing.
     */
    static SegmentConfig segmentConfig(int payloadSize, int keyCount) {
        long entry = EntryLayout.entryLength(path(keyCount - 1).getBytes(StandardCharsets.UTF_8).length, payloadSize);
        SegmentConfig largest = new SegmentConfig(SegmentConfig.MAX_MEMORY_CONSUMPTION, keyCount, 5);
        // Slack for the header page and rounding; the arena never has to hold a replaced entry here.
        long needed = align4096(largest.arenaOffset() + entry * keyCount + 4096);
        if (needed > SegmentConfig.MAX_MEMORY_CONSUMPTION) {
            throw new UnsupportedOperationException(String.format(
                    "SKIPPED payloadSize=%d keyCount=%d: the entries need %,d bytes but a segment is one"
                            + " mapping of at most %,d bytes (FileChannel.map); see docs/benchmarks.md",
                    payloadSize, keyCount, needed, SegmentConfig.MAX_MEMORY_CONSUMPTION));
        }
        return new SegmentConfig(needed, keyCount, 5);
    }

    private static long align4096(long value) {
        return (value + 4095) & ~4095L;
    }

    /** A new, not yet existing file in the benchmark directory (tmpfs, so that nothing hits a disk). */
    static Path newFile(String prefix) throws IOException {
        Path directory = Path.of(System.getProperty(DIRECTORY_PROPERTY, "/dev/shm"));
        Files.createDirectories(directory);
        return directory.resolve(prefix + "-" + ProcessHandle.current().pid() + "-" + FILES.incrementAndGet());
    }

    /** How many of the first keys the benchmarks pick among: all of them unless {@link #HOT_KEYS_PROPERTY} says fewer. */
    static int pickFrom(int keyCount) {
        return Math.max(1, Math.min(keyCount, Integer.getInteger(HOT_KEYS_PROPERTY, keyCount)));
    }

    /** A distinct, reproducible seed per measuring thread. */
    static long seed() {
        return 0x2545F4914F6CDD1DL * (PICKERS.incrementAndGet() + 1);
    }

    /**
     * Maps a 64-bit random value onto {@code [0, bound)} with a multiply instead of a division
     * (Lemire's reduction), so that picking a key costs about a nanosecond.
     */
    static int index(long random, int bound) {
        return (int) (((random >>> 32) * bound) >>> 32);
    }
}
