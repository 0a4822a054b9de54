package dev.opcached.protocol.segment;

import net.openhft.chronicle.bytes.BytesStore;

/**
 * The one walk of the index's probe chain (§6, §16 step 3), shared by lookups, writers and
 * compile waiters: from {@code hash & (slotCount - 1)}, slot after slot, to the first empty slot.
 * Each caller decides which of the candidates (current-generation slots with the key's hash) is
 * the key's; the walk itself allocates nothing and takes no lock.
 */
final class IndexProbe {
    /** {@link #next} found no empty slot: the whole index was probed. */
    static final long NO_SLOT = Long.MIN_VALUE;
    /** Passed to {@link #next} to begin a walk. */
    static final long START = -1;

    private final BytesStore<?, ?> bytes;
    private final SegmentGeometry geometry;
    private final int mask;

    IndexProbe(BytesStore<?, ?> bytes, SegmentGeometry geometry) {
        this.bytes = bytes;
        this.geometry = geometry;
        this.mask = geometry.slotMask();
    }

    /**
     * The next candidate after slot {@code after} ({@link #START} to begin): the offset of a slot of
     * {@code generation} with KEY_HASH {@code hash}; or {@code -emptySlot - 1} where the chain ends
     * at an empty slot (where the key would be claimed); or {@link #NO_SLOT} once every slot was probed.
     */
    long next(long hash, long generation, long after) {
        int start = (int) hash & mask;
        int index = start;
        if (after != START) {
            index = (SlotLayout.indexOf(after) + 1) & mask;
            if (index == start) {
                return NO_SLOT;
            }
        }
        while (true) {
            long slot = SlotLayout.slotAt(index);
            if (!SlotLayout.isGeneration(SlotLayout.refVolatile(bytes, slot), generation)) {
                return -slot - 1;
            }
            if (SlotLayout.keyHash(bytes, slot) == hash) {
                return slot;
            }
            index = (index + 1) & mask;
            if (index == start) {
                return NO_SLOT;
            }
        }
    }

    /**
     * The key's slot in {@code generation} as writers and markers see it: the first candidate
     * with no entry (known by its hash alone, §9) or whose entry holds the key; else what
     * {@link #next} ended with.
     */
    long slotOf(SegmentKey key, long generation) {
        long hash = key.hash();
        long slot = next(hash, generation, START);
        while (slot >= 0) {
            int offset = SlotLayout.entryOffset(SlotLayout.refVolatile(bytes, slot));
            if (offset == 0 || holdsKey(offset, key)) {
                return slot;
            }
            slot = next(hash, generation, slot);
        }
        return slot;
    }

    /** Whether the entry at {@code offset} holds {@code key}, every offset bounds-checked first. */
    boolean holdsKey(int offset, SegmentKey key) {
        return geometry.entryHeaderInArena(offset)
                && offset + EntryLayout.entryLength(key.utf8().length, 0) <= geometry.segmentLength()
                && EntryLayout.keyLength(bytes, offset) == key.utf8().length
                && EntryLayout.keyEquals(bytes, offset, key);
    }
}
