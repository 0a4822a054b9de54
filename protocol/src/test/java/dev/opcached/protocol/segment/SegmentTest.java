package dev.opcached.protocol.segment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentTest {
    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    private Segment segment;

    @BeforeEach
    void create() throws Exception {
        segment = Segment.create(dir.resolve("pool.seg"), new SegmentConfig(1 << 20, 64, 5), now::get);
    }

    @AfterEach
    void close() throws Exception {
        segment.close();
    }

    private static EntryMetadata metadata(long mtime, long size) {
        return new EntryMetadata(mtime, size, 42, 1_700_000_000_000L, 1234);
    }

    private static byte[] payload(String... names) {
        return ClassFilePayload.encode(java.util.Arrays.stream(names)
                .map(n -> new ClassFile(n, ("code of " + n).getBytes(StandardCharsets.UTF_8))).toList());
    }

    @Test
    void createsOwnerOnlyFile() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(segment.path()))).isEqualTo("rw-------");
        assertThat(Files.size(segment.path())).isEqualTo(1 << 20);
    }

    @Test
    void storedEntryIsFoundWithItsMetadataAndPayload() {
        SegmentKey key = SegmentKey.of("/srv/www/index.java");
        assertThat(segment.lookup(key)).isNull();
        assertThat(segment.store(key, metadata(10, 20), payload("Index", "Index$1"))).isEqualTo(StoreOutcome.STORED);

        CachedEntry entry = segment.lookup(key);
        assertThat(entry).isNotNull();
        assertThat(entry.metadata()).isEqualTo(metadata(10, 20));
        List<ClassFile> classes = ClassFilePayload.decode(entry.copyPayload());
        assertThat(classes).extracting(ClassFile::binaryName).containsExactly("Index", "Index$1");
        assertThat(new String(classes.get(1).bytes(), StandardCharsets.UTF_8)).isEqualTo("code of Index$1");

        SegmentStatistics stats = segment.statistics();
        assertThat(stats.hits()).isEqualTo(1);
        assertThat(stats.misses()).isEqualTo(1);
        assertThat(stats.numCachedScripts()).isEqualTo(1);
        assertThat(stats.numCachedKeys()).isEqualTo(1);
        assertThat(stats.stores()).isEqualTo(1);
        assertThat(stats.usedMemory() + stats.freeMemory() + stats.wastedMemory()).isEqualTo(stats.memoryConsumption());
        assertThat(segment.verify().problems()).isEmpty();
    }

    @Test
    void anotherAttachedInstanceSeesTheSameEntries() throws Exception {
        SegmentKey key = SegmentKey.of("/a.java");
        segment.store(key, metadata(1, 2), payload("A"));
        try (Segment other = Segment.attach(segment.path())) {
            assertThat(other.lookup(key)).isNotNull();
            other.reset();
        }
        assertThat(segment.lookup(key)).isNull();
        assertThat(segment.statistics().manualRestarts()).isEqualTo(1);
    }

    @Test
    void replacingAnEntryWastesTheOldOneAndOldHandlesStopBeingCurrent() {
        SegmentKey key = SegmentKey.of("/a.java");
        segment.store(key, metadata(1, 2), payload("A"));
        CachedEntry first = segment.lookup(key);
        assertThat(segment.hitIfCurrent(first)).isTrue();

        segment.store(key, metadata(3, 4), payload("A", "B"));
        assertThat(segment.hitIfCurrent(first)).isFalse();
        CachedEntry second = segment.lookup(key);
        assertThat(second.metadata().sourceMtimeMillis()).isEqualTo(3);
        SegmentStatistics stats = segment.statistics();
        assertThat(stats.wastedMemory()).isEqualTo(first.memoryConsumption());
        assertThat(stats.numCachedScripts()).isEqualTo(1);
        assertThat(stats.numCachedKeys()).isEqualTo(1);
        assertThat(segment.verify().problems()).isEmpty();
    }

    @Test
    void resetIsSeenByHeldEntriesAndCountsAManualRestart() {
        SegmentKey key = SegmentKey.of("/a.java");
        segment.store(key, metadata(1, 2), payload("A"));
        CachedEntry entry = segment.lookup(key);
        now.addAndGet(5_000);

        long generation = segment.reset();

        assertThat(generation).isEqualTo(entry.generation() + 1);
        assertThat(segment.hitIfCurrent(entry)).isFalse();
        assertThat(entry.copyPayload()).isNull();
        assertThat(segment.lookup(key)).isNull();
        SegmentStatistics stats = segment.statistics();
        assertThat(stats.manualRestarts()).isEqualTo(1);
        assertThat(stats.numCachedScripts()).isZero();
        assertThat(stats.wastedMemory()).isZero();
        assertThat(stats.lastRestartTimeMillis()).isEqualTo(now.get());
        assertThat(stats.lastRestartReason()).isEqualTo(RestartReason.MANUAL);
        assertThat(segment.store(key, metadata(1, 2), payload("A"))).isEqualTo(StoreOutcome.STORED);
        assertThat(segment.lookup(key)).isNotNull();
    }

    @Test
    void invalidateWithoutForceOnlyWhenTheFileChanged() throws Exception {
        Path source = Files.writeString(dir.resolve("Hello.java"), "class Hello {}");
        SourceStamp stamp = SourceStamp.of(source);
        SegmentKey key = SegmentKey.of(source.toString());
        segment.store(key, metadata(stamp.mtimeMillis(), stamp.size()), payload("Hello"));

        assertThat(segment.invalidate(key, false)).isFalse();
        assertThat(segment.lookup(key)).isNotNull();

        Files.setLastModifiedTime(source, FileTime.fromMillis(stamp.mtimeMillis() + 10_000));
        assertThat(segment.invalidate(key, false)).isTrue();
        assertThat(segment.lookup(key)).isNull();
        assertThat(segment.invalidate(key, true)).isFalse();

        segment.store(key, metadata(stamp.mtimeMillis(), stamp.size()), payload("Hello"));
        assertThat(segment.invalidate(key, true)).isTrue();
        SegmentStatistics stats = segment.statistics();
        assertThat(stats.numCachedScripts()).isZero();
        assertThat(stats.numCachedKeys()).isEqualTo(1);
        assertThat(stats.wastedMemory()).isPositive();
        assertThat(segment.verify().problems()).isEmpty();
    }

    @Test
    void invalidatePrefixTakesOnlyMatchingScripts() {
        for (String path : List.of("/srv/app/releases/41/a.java", "/srv/app/releases/41/b.java", "/srv/app/releases/42/a.java")) {
            segment.store(SegmentKey.of(path), metadata(1, 1), payload("A"));
        }
        assertThat(segment.invalidatePrefix("/srv/app/releases/41/"))
                .containsExactlyInAnyOrder("/srv/app/releases/41/a.java", "/srv/app/releases/41/b.java");
        assertThat(segment.lookup(SegmentKey.of("/srv/app/releases/42/a.java"))).isNotNull();
        assertThat(segment.lookup(SegmentKey.of("/srv/app/releases/41/a.java"))).isNull();
        assertThat(segment.statistics().numCachedScripts()).isEqualTo(1);
    }

    @Test
    void scriptsListsEachCachedScriptWithHitsAndMemory() {
        SegmentKey a = SegmentKey.of("/a.java");
        segment.store(a, metadata(7, 1), payload("A"));
        segment.store(SegmentKey.of("/b.java"), metadata(8, 1), payload("B"));
        segment.lookup(a);
        segment.lookup(a);
        now.addAndGet(2_000);
        segment.hitIfCurrent(segment.lookup(a));

        ScriptStatistics script = segment.scripts().stream().filter(s -> s.fullPath().equals("/a.java")).findFirst().orElseThrow();
        assertThat(script.hits()).isEqualTo(4);
        assertThat(script.lastUsedMillis()).isEqualTo(now.get());
        assertThat(script.timestampMillis()).isEqualTo(7);
        assertThat(script.memoryConsumption()).isEqualTo(segment.lookup(a).memoryConsumption());
        assertThat(segment.scripts()).hasSize(2);
    }

    @Test
    void revalidationIsClaimedOncePerPeriod() {
        SegmentKey key = SegmentKey.of("/a.java");
        segment.store(key, metadata(1, 1), payload("A"));
        CachedEntry entry = segment.lookup(key);
        assertThat(segment.claimRevalidation(entry, 2_000)).as("not due before one period after the compile").isFalse();
        now.addAndGet(2_000);
        assertThat(segment.claimRevalidation(entry, 2_000)).isTrue();
        assertThat(segment.claimRevalidation(entry, 2_000)).isFalse();
        now.addAndGet(1_999);
        assertThat(segment.claimRevalidation(entry, 2_000)).isFalse();
        now.addAndGet(1);
        assertThat(segment.claimRevalidation(entry, 2_000)).isTrue();
    }

    @Test
    void compileMarkerMakesOneOwnerAndOthersBusyUntilStored() throws Exception {
        SegmentKey key = SegmentKey.of("/a.java");
        assertThat(segment.beginCompile(key, 30_000).kind()).isEqualTo(CompileClaim.Kind.OWNER);
        assertThat(segment.lookup(key)).isNull();
        try (Segment other = Segment.attach(segment.path(), now::get)) {
            CompileClaim busy = other.beginCompile(key, 30_000);
            assertThat(busy.kind()).isEqualTo(CompileClaim.Kind.BUSY);
            assertThat(busy.ownerPid()).isEqualTo(ProcessHandle.current().pid());
            now.addAndGet(30_000);
            assertThat(other.beginCompile(key, 30_000).kind()).as("a stale marker is taken over").isEqualTo(CompileClaim.Kind.OWNER);
            other.store(key, metadata(1, 1), payload("A"));
        }
        assertThat(segment.beginCompile(key, 30_000).kind()).isEqualTo(CompileClaim.Kind.CACHED);
        assertThat(segment.statistics().numCachedKeys()).isEqualTo(1);
    }

    @Test
    void markerStampedByAClockAheadOfOursIsStillHeld() throws Exception {
        SegmentKey key = SegmentKey.of("/a.java");
        AtomicLong behind = new AtomicLong(now.get() - 50);
        assertThat(segment.beginCompile(key, 30_000).kind()).isEqualTo(CompileClaim.Kind.OWNER);
        try (Segment other = Segment.attach(segment.path(), behind::get)) {
            assertThat(other.beginCompile(key, 30_000).kind()).as("another process's clock lags by 50 ms")
                    .isEqualTo(CompileClaim.Kind.BUSY);
        }
    }

    @Test
    void abandonedCompileFreesTheMarker() {
        SegmentKey key = SegmentKey.of("/a.java");
        segment.beginCompile(key, 30_000);
        segment.abandonCompile(key);
        assertThat(segment.awaitCompile(key, 30_000, 5_000).kind()).isEqualTo(CompileClaim.Kind.OWNER);
    }

    @Test
    void tooLargeEntryIsRefusedWithoutChangingAnything() {
        byte[] huge = new byte[2 << 20];
        assertThat(segment.store(SegmentKey.of("/big.java"), metadata(1, 1), huge)).isEqualTo(StoreOutcome.TOO_LARGE);
        assertThat(segment.statistics().stores()).isZero();
        assertThat(segment.statistics().cacheFull()).isFalse();
    }

    @Test
    void readOnlyMappingReadsButNeverWritesOrCounts() throws Exception {
        SegmentKey key = SegmentKey.of("/a.java");
        segment.store(key, metadata(1, 1), payload("A"));
        try (SegmentReader reader = Segment.openReadOnly(segment.path())) {
            assertThat(reader.peek(key)).isNotNull();
            assertThat(reader.peek(key).copyPayload()).isNotNull();
            assertThat(reader.statistics().numCachedScripts()).isEqualTo(1);
            assertThat(reader.scripts()).hasSize(1);
            assertThat(reader.verify().problems()).isEmpty();
        }
        assertThat(segment.statistics().hits()).isZero();
        assertThat(segment.statistics().misses()).isZero();
        assertThat(Arrays.stream(SegmentReader.class.getMethods()).map(Method::getName))
                .as("the read-only type offers nothing that writes")
                .doesNotContain("lookup", "hitIfCurrent", "store", "invalidate", "invalidatePrefix", "reset", "maintain",
                        "beginCompile", "awaitCompile", "abandonCompile", "claimRevalidation", "countCompile",
                        "countBlacklistMiss", "clearStatCaches", "heartbeat");
    }

    @Test
    void keysWithEveryTailLengthCompareExactly() {
        for (int length = 1; length <= 17; length++) {
            String path = "/" + "x".repeat(length - 1);
            segment.store(SegmentKey.of(path), metadata(length, 1), payload("C" + length));
        }
        for (int length = 1; length <= 17; length++) {
            String path = "/" + "x".repeat(length - 1);
            assertThat(segment.lookup(SegmentKey.of(path)).metadata().sourceMtimeMillis()).isEqualTo(length);
            assertThat(segment.lookup(SegmentKey.of(path + "y"))).isNull();
        }
    }

    @Test
    void hitsNeverWriteTheSlotLineThatLookupsRead() throws Exception {
        SegmentKey key = SegmentKey.of("/hot.java");
        segment.store(key, metadata(1, 1), payload("Hot"));
        CachedEntry entry = segment.lookup(key);
        byte[] before = slotLine(entry);
        for (int i = 0; i < 100; i++) {
            now.addAndGet(1_000);
            assertThat(segment.hitIfCurrent(entry)).isTrue();
            segment.lookup(key);
        }
        assertThat(slotLine(entry)).as("the 64 bytes of the key's slot").isEqualTo(before);
        ScriptStatistics script = segment.scripts().get(0);
        assertThat(script.hits()).isEqualTo(201);
        assertThat(script.lastUsedMillis()).isEqualTo(now.get());
    }

    private byte[] slotLine(CachedEntry entry) throws Exception {
        try (RandomAccessFile file = new RandomAccessFile(segment.path().toFile(), "r")) {
            byte[] line = new byte[SlotLayout.LENGTH];
            file.seek(entry.slotOffset());
            file.readFully(line);
            return line;
        }
    }

    @Test
    void concurrentClosesReleaseTheSharedFileOnce() throws Exception {
        SegmentKey key = SegmentKey.of("/a.java");
        for (int round = 0; round < 50; round++) {
            Segment doomed = Segment.attach(segment.path(), now::get);
            CyclicBarrier start = new CyclicBarrier(4);
            ExecutorService closers = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> closes = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    closes.add(closers.submit(() -> {
                        start.await();
                        doomed.close();
                        return null;
                    }));
                }
                for (Future<?> close : closes) {
                    close.get(30, TimeUnit.SECONDS);
                }
            } finally {
                closers.shutdownNow();
            }
            // A second release of the shared handle would have closed the channel this segment locks through.
            assertThat(segment.store(key, metadata(round, 1), payload("A"))).as("round %d", round)
                    .isEqualTo(StoreOutcome.STORED);
        }
    }
}
