package dev.opcached.protocol.segment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A compile abandoned before its key ever held an entry gives the key's index slot back (§6, §19). */
class SlotReleaseTest {
    private static final SegmentConfig CONFIG = new SegmentConfig(1 << 20, 64, 5);
    private static final long STALE_AFTER = 60_000;

    @TempDir
    Path dir;

    private Segment segment;

    @BeforeEach
    void create() throws Exception {
        segment = Segment.create(dir.resolve("s.seg"), CONFIG);
    }

    @AfterEach
    void close() throws Exception {
        segment.close();
    }

    private static byte[] payload(String name) {
        return ClassFilePayload.encode(List.of(new ClassFile(name, ("code of " + name).getBytes(StandardCharsets.UTF_8))));
    }

    private StoreOutcome store(SegmentKey key) {
        return segment.store(key, new EntryMetadata(1, 1, 42, 1_700_000_000_000L, 1), payload("C"));
    }

    private int keys() {
        return segment.statistics().numCachedKeys();
    }

    private void fails(SegmentKey key) {
        assertThat(segment.beginCompile(key, STALE_AFTER).kind()).isEqualTo(CompileClaim.Kind.OWNER);
        segment.abandonCompile(key);
    }

    private void assertVerifies() {
        assertThat(segment.verify().problems()).isEmpty();
    }

    /** {@code count} keys whose probe chains all start at the same slot. */
    private static List<SegmentKey> sameHome(int count) {
        int mask = CONFIG.slotCount() - 1;
        int home = (int) SegmentKey.of("/chain/0.java").hash() & mask;
        List<SegmentKey> keys = new ArrayList<>();
        for (int i = 0; keys.size() < count; i++) {
            SegmentKey key = SegmentKey.of("/chain/" + i + ".java");
            if (((int) key.hash() & mask) == home) {
                keys.add(key);
            }
        }
        return keys;
    }

    private static long homeSlot(SegmentKey key) {
        return SlotLayout.slotAt((int) key.hash() & (CONFIG.slotCount() - 1));
    }

    private long ref(long slot) throws Exception {
        try (RandomAccessFile file = new RandomAccessFile(segment.path().toFile(), "r")) {
            byte[] word = new byte[Long.BYTES];
            file.seek(slot + SlotLayout.REF_OFFSET);
            file.readFully(word);
            return ByteBuffer.wrap(word).order(ByteOrder.LITTLE_ENDIAN).getLong();
        }
    }

    @Test
    void abandoningAFreshClaimReturnsTheKeyCountToWhatItWas() {
        store(SegmentKey.of("/ok.java"));
        assertThat(segment.beginCompile(SegmentKey.of("/broken.java"), STALE_AFTER).kind()).isEqualTo(CompileClaim.Kind.OWNER);
        assertThat(keys()).isEqualTo(2);
        segment.abandonCompile(SegmentKey.of("/broken.java"));
        assertThat(keys()).isEqualTo(1);
        assertVerifies();
    }

    @Test
    void moreBrokenFilesThanKeysNeverFillTheIndex() {
        for (int i = 0; i < CONFIG.maxAcceleratedFiles() * 3; i++) {
            SegmentKey key = SegmentKey.of("/broken/" + i + ".java");
            assertThat(segment.beginCompile(key, STALE_AFTER).kind()).as("claim of %s", key).isEqualTo(CompileClaim.Kind.OWNER);
            segment.abandonCompile(key);
        }
        assertThat(keys()).isZero();
        assertThat(store(SegmentKey.of("/ok.java"))).isEqualTo(StoreOutcome.STORED);
        assertThat(segment.statistics().hashRestarts()).isZero();
        assertVerifies();
    }

    @Test
    void aKeyPlacedAfterATombstoneInTheSameChainIsStillFound() throws Exception {
        List<SegmentKey> chain = sameHome(2);
        SegmentKey broken = chain.get(0);
        SegmentKey after = chain.get(1);
        assertThat(segment.beginCompile(broken, STALE_AFTER).kind()).isEqualTo(CompileClaim.Kind.OWNER);
        store(after);
        assertThat(segment.lookup(after).slotOffset()).isEqualTo(homeSlot(after) + SlotLayout.LENGTH);
        segment.abandonCompile(broken);

        assertThat(SlotLayout.isTombstone(ref(homeSlot(broken)))).as("the released slot is a tombstone").isTrue();
        assertThat(segment.lookup(after)).isNotNull();
        assertThat(segment.beginCompile(after, STALE_AFTER).kind()).isEqualTo(CompileClaim.Kind.CACHED);
        assertThat(keys()).isEqualTo(1);
        assertVerifies();
    }

    @Test
    void aWriteProbesPastATombstoneAndReplacesTheKeyWhereItIs() {
        List<SegmentKey> chain = sameHome(2);
        SegmentKey broken = chain.get(0);
        SegmentKey stored = chain.get(1);
        assertThat(segment.beginCompile(broken, STALE_AFTER).kind()).isEqualTo(CompileClaim.Kind.OWNER);
        store(stored);
        long slot = segment.lookup(stored).slotOffset();
        segment.abandonCompile(broken);

        assertThat(store(stored)).isEqualTo(StoreOutcome.STORED);
        assertThat(segment.lookup(stored).slotOffset()).as("replaced in place, not claimed twice").isEqualTo(slot);
        assertThat(keys()).isEqualTo(1);
        assertVerifies();
    }

    @Test
    void aNewKeyReusesTheTombstone() {
        List<SegmentKey> chain = sameHome(3);
        assertThat(segment.beginCompile(chain.get(0), STALE_AFTER).kind()).isEqualTo(CompileClaim.Kind.OWNER);
        store(chain.get(1));
        segment.abandonCompile(chain.get(0));

        assertThat(store(chain.get(2))).isEqualTo(StoreOutcome.STORED);
        assertThat(segment.lookup(chain.get(2)).slotOffset()).isEqualTo(homeSlot(chain.get(2)));
        assertThat(segment.lookup(chain.get(1))).isNotNull();
        assertThat(segment.lookup(chain.get(0))).isNull();
        assertThat(keys()).isEqualTo(2);
        assertVerifies();
    }

    @Test
    void tombstonesThatEndAChainBecomeEmptyAgain() throws Exception {
        List<SegmentKey> chain = sameHome(3);
        for (SegmentKey key : chain) {
            assertThat(segment.beginCompile(key, STALE_AFTER).kind()).isEqualTo(CompileClaim.Kind.OWNER);
        }
        long home = homeSlot(chain.get(0));
        segment.abandonCompile(chain.get(0));
        segment.abandonCompile(chain.get(1));
        assertThat(SlotLayout.isTombstone(ref(home))).isTrue();
        assertThat(SlotLayout.isTombstone(ref(home + SlotLayout.LENGTH))).isTrue();
        segment.abandonCompile(chain.get(2));
        for (int i = 0; i < 3; i++) {
            assertThat(ref(home + (long) i * SlotLayout.LENGTH)).as("slot %d of the chain", i).isEqualTo(SlotLayout.EMPTY);
        }
        assertThat(keys()).isZero();
        assertVerifies();
    }

    @Test
    void invalidatedAndStoredKeysKeepTheirSlots() {
        SegmentKey invalidated = SegmentKey.of("/invalidated.java");
        SegmentKey stored = SegmentKey.of("/stored.java");
        store(invalidated);
        store(stored);
        assertThat(segment.invalidate(invalidated, true)).isTrue();

        fails(invalidated);
        assertThat(segment.beginCompile(stored, STALE_AFTER).kind()).isEqualTo(CompileClaim.Kind.CACHED);
        segment.abandonCompile(stored);

        assertThat(keys()).isEqualTo(2);
        assertThat(segment.lookup(stored)).isNotNull();
        assertVerifies();
    }

    @Test
    void aKeyWhoseStoreWasReplacedByAFailedRecompileKeepsItsSlot() {
        SegmentKey key = SegmentKey.of("/edited.java");
        assertThat(segment.beginCompile(key, STALE_AFTER).kind()).isEqualTo(CompileClaim.Kind.OWNER);
        store(key);
        segment.invalidate(key, true);
        fails(key);
        assertThat(keys()).isEqualTo(1);
        assertVerifies();
    }

    @Test
    void theRecountAfterAnInterruptedWriteCountsTombstonesAsFree() throws Exception {
        List<SegmentKey> chain = sameHome(2);
        assertThat(segment.beginCompile(chain.get(0), STALE_AFTER).kind()).isEqualTo(CompileClaim.Kind.OWNER);
        store(chain.get(1));
        segment.abandonCompile(chain.get(0));
        try (RandomAccessFile file = new RandomAccessFile(segment.path().toFile(), "rw")) {
            // A writer that died between DIRTY and its end, having counted the released key back in.
            file.seek(HeaderLayout.DIRTY_OFFSET);
            file.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1).array());
            file.seek(HeaderLayout.USED_KEYS_OFFSET);
            file.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(2).array());
        }
        segment.maintain();
        SegmentStatistics statistics = segment.statistics();
        assertThat(statistics.recoveries()).isEqualTo(1);
        assertThat(statistics.numCachedKeys()).isEqualTo(1);
        assertThat(segment.lookup(chain.get(1))).isNotNull();
        assertVerifies();
    }

    @Test
    void aKeyBehindASlotReleasedAndReclaimedMeanwhileIsAlwaysFound() throws Exception {
        List<SegmentKey> chain = sameHome(31);
        SegmentKey target = chain.get(0);
        assertThat(segment.beginCompile(chain.get(1), STALE_AFTER).kind()).isEqualTo(CompileClaim.Kind.OWNER);
        store(target);
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger misses = new AtomicInteger();
        Thread reader = new Thread(() -> {
            while (!done.get()) {
                if (segment.peek(target) == null) {
                    misses.incrementAndGet();
                }
            }
        });
        reader.start();
        try {
            for (int round = 1; round <= 2_000; round++) {
                // The chain's first slot goes from one key's claim to a tombstone to another key's claim.
                segment.abandonCompile(chain.get(1 + (round - 1) % 30));
                assertThat(segment.beginCompile(chain.get(1 + round % 30), STALE_AFTER).kind()).isEqualTo(CompileClaim.Kind.OWNER);
            }
            store(chain.get(1 + 2_000 % 30));
        } finally {
            done.set(true);
            reader.join();
        }
        assertThat(misses).hasValue(0);
        assertThat(keys()).isEqualTo(2);
        assertThat(segment.statistics().restartPending()).isEqualTo(RestartReason.NONE);
        assertVerifies();
    }

    /** A pid that no process has now: one of a process that has exited. */
    private static long deadPid() throws Exception {
        Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        return exited.pid();
    }

    /** The state a process killed mid-way through a write leaves: DIRTY set, so the next writer recounts. */
    private void killedMidWrite() {
        HeaderLayout.putDirtyVolatile(segment.file().bytes());
    }

    @Test
    void theRecountReleasesClaimsThatKilledProcessesLeft() throws Exception {
        store(SegmentKey.of("/ok.java"));
        SegmentKey unmarked = SegmentKey.of("/abandon-killed.java");
        SegmentKey deadOwner = SegmentKey.of("/owner-killed.java");
        SegmentKey compiling = SegmentKey.of("/compiling.java");
        for (SegmentKey key : List.of(unmarked, deadOwner, compiling)) {
            assertThat(segment.beginCompile(key, STALE_AFTER).kind()).isEqualTo(CompileClaim.Kind.OWNER);
        }
        var bytes = segment.file().bytes();
        long generation = HeaderLayout.generation(bytes);
        // An abandon killed between clearing the marker and the release (the old order) ...
        SlotLayout.putMarkerPid(bytes, segment.reader().index().slotOf(unmarked, generation), 0);
        // ... and an owner killed while it compiled.
        SlotLayout.putMarkerPid(bytes, segment.reader().index().slotOf(deadOwner, generation), deadPid());
        killedMidWrite();
        assertThat(keys()).isEqualTo(4);

        segment.maintain();

        assertThat(keys()).as("/ok.java and the live compile keep theirs").isEqualTo(2);
        assertThat(segment.reader().index().slotOf(unmarked, generation)).isNegative();
        assertThat(segment.reader().index().slotOf(deadOwner, generation)).isNegative();
        assertThat(segment.beginCompile(compiling, STALE_AFTER).kind()).isEqualTo(CompileClaim.Kind.BUSY);
        assertVerifies();
    }

    @Test
    void theRecountEmptiesTombstonesLeftAtAChainsEnd() throws Exception {
        List<SegmentKey> chain = sameHome(2);
        store(chain.get(0));
        fails(chain.get(1));
        long second = SlotLayout.slotAt((SlotLayout.indexOf(homeSlot(chain.get(0))) + 1) & (CONFIG.slotCount() - 1));
        assertThat(ref(second)).as("emptied by the release").isZero();
        // A release killed before it emptied the chain's end:
        SlotLayout.putRefRelease(segment.file().bytes(), second, SlotLayout.tombstone(HeaderLayout.generation(segment.file().bytes())));
        killedMidWrite();

        segment.maintain();

        assertThat(ref(second)).isZero();
        assertThat(keys()).isEqualTo(1);
        assertVerifies();
    }
}
