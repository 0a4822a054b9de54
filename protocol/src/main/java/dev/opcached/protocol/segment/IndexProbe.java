package dev.opcached.protocol.segment;

import net.openhft.chronicle.bytes.BytesStore;

/**
 * The one walk of the index's probe chain (§6, §16 step 3), shared by lookups, writers and
 * compile waiters: from {@code hash & (slotCount - 1)}, slot after slot, to the first empty slot.
 * Released slots (tombstones) do not end the walk: a key claimed after one is further along. Each
 * caller decides which of the candidates (current-generation slots with the key's hash) is the
 * key's; the walk itself allocates nothing and takes no lock.
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
     * {@code generation} with KEY_HASH {@code hash}, tombstones skipped; or {@code -emptySlot - 1}
     * where the chain ends at an empty slot; or {@link #NO_SLOT} once every slot was probed.
     */
    long next(long hash, long generation, long after) {
        return walk(hash, generation, after, false);
    }

    /**
     * The key's slot in {@code generation} as writers and markers see it (under the lock): the first
     * candidate with no entry (known by its hash alone, §9) or whose entry holds the key. When the
     * key has none, the slot to claim: {@code -slot - 1} for the first tombstone of the chain, else
     * for the empty slot that ends it; {@link #NO_SLOT} when there is neither. The walk goes on past
     * tombstones to the end of the chain, so that a key already claimed further along is found and
     * never claimed twice.
     */
    long slotOf(SegmentKey key, long generation) {
        long hash = key.hash();
        long tombstone = NO_SLOT;
        long slot = walk(hash, generation, START, true);
        while (slot >= 0) {
            long ref = SlotLayout.refVolatile(bytes, slot);
            if (SlotLayout.isTombstone(ref)) {
                if (tombstone == NO_SLOT) {
                    tombstone = slot;
                }
            } else {
                int offset = SlotLayout.entryOffset(ref);
                if (offset == 0 || holdsKey(offset, key)) {
                    return slot;
                }
            }
            slot = walk(hash, generation, slot, true);
        }
        return tombstone == NO_SLOT ? slot : -tombstone - 1;
    }

    /**
     * The walk: from after {@code after}, the next slot of {@code generation} that is a tombstone
     * (when {@code tombstones}) or has KEY_HASH {@code hash} and is no tombstone.
     */
    private long walk(long hash, long generation, long after, boolean tombstones) {
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
            long ref = SlotLayout.refVolatile(bytes, slot);
            if (!SlotLayout.isGeneration(ref, generation)) {
                return -slot - 1;
            }
            // A tombstone's KEY_HASH is stale, and a claim rewrites it before it publishes REF.
            if (SlotLayout.isTombstone(ref) ? tombstones : SlotLayout.keyHash(bytes, slot) == hash) {
                return slot;
            }
            index = (index + 1) & mask;
            if (index == start) {
                return NO_SLOT;
            }
        }
    }

    /** The slot after {@code slot} in probe order. */
    long following(long slot) {
        return SlotLayout.slotAt((SlotLayout.indexOf(slot) + 1) & mask);
    }

    /** The slot before {@code slot} in probe order. */
    long preceding(long slot) {
        return SlotLayout.slotAt((SlotLayout.indexOf(slot) - 1) & mask);
    }

    /** Whether the entry at {@code offset} holds {@code key}, every offset bounds-checked first. */
    boolean holdsKey(int offset, SegmentKey key) {
        return geometry.entryHeaderInArena(offset)
                && offset + EntryLayout.entryLength(key.utf8().length, 0) <= geometry.segmentLength()
                && EntryLayout.keyLength(bytes, offset) == key.utf8().length
                && EntryLayout.keyEquals(bytes, offset, key);
    }
}
