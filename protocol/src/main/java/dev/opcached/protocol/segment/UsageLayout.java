package dev.opcached.protocol.segment;

import net.openhft.chronicle.bytes.BytesStore;

/**
 * Layout of one key's usage record, and its typed accessors: the per-key figures that readers
 * write on hits. The records form a table parallel to the index, one per slot, starting at
 * {@code USAGE_OFFSET = 4096 + 64 * slotCount}; the record of slot {@code i} is at
 * {@code USAGE_OFFSET + 16 * i}.
 *
 * <pre>
 *   0                   8                   16
 *  +-------------------+-------------------+
 *  | HITS              | LAST_USED_MS      |
 *  +-------------------+-------------------+
 * </pre>
 *
 * <p>They are not in the slot because every lookup reads the slot's REF: a counter on the same
 * cache line would make every hit on a hot key invalidate that line in every other reader's cache.
 * Here a hit dirties only a line of usage records, which lookups never read.
 */
public final class UsageLayout {
    /** Bytes per record. */
    public static final int LENGTH = 16;

    public static final int HITS_OFFSET = 0;
    public static final int LAST_USED_MILLIS_OFFSET = HITS_OFFSET + Long.BYTES;

    private UsageLayout() {
    }

    /** Where the usage table starts in a segment with {@code slotCount} slots. */
    static long tableOffset(int slotCount) {
        return HeaderLayout.LENGTH + (long) slotCount * SlotLayout.LENGTH;
    }

    static long hitsVolatile(BytesStore<?, ?> b, long usage) {
        return b.readVolatileLong(usage + HITS_OFFSET);
    }

    static void addHit(BytesStore<?, ?> b, long usage) {
        b.addAndGetLong(usage + HITS_OFFSET, 1);
    }

    static long lastUsed(BytesStore<?, ?> b, long usage) {
        return b.readLong(usage + LAST_USED_MILLIS_OFFSET);
    }

    static long lastUsedVolatile(BytesStore<?, ?> b, long usage) {
        return b.readVolatileLong(usage + LAST_USED_MILLIS_OFFSET);
    }

    static void putLastUsedRelease(BytesStore<?, ?> b, long usage, long millis) {
        b.writeOrderedLong(usage + LAST_USED_MILLIS_OFFSET, millis);
    }

    /** Under the lock, when a key's slot is claimed or gets a new entry. */
    static void clear(BytesStore<?, ?> b, long usage) {
        b.writeLong(usage + HITS_OFFSET, 0);
        b.writeLong(usage + LAST_USED_MILLIS_OFFSET, 0);
    }

    static void putHits(BytesStore<?, ?> b, long usage, long hits) {
        b.writeLong(usage + HITS_OFFSET, hits);
    }
}
