package dev.opcached.protocol.segment;

import net.openhft.chronicle.bytes.BytesStore;

/**
 * Layout of one key's usage record, and its typed accessors: what readers write about a key, its
 * hits and its pool-wide revalidation claim. The records form a table parallel to the index, one
 * per slot, in the activity file ({@link ActivityLayout}): the record of slot {@code i} is at
 * {@code 4096 + 32 * i} of that file.
 *
 * <pre>
 *   0                   8                   16                  24                  32
 *  +-------------------+-------------------+-------------------+-------------------+
 *  | HITS              | LAST_USED_MS      | REVALIDATE_AFTER  | (reserved)        |
 *  +-------------------+-------------------+-------------------+-------------------+
 * </pre>
 *
 * <p>They are not in the slot because workers map the segment file read-only, and because every
 * lookup reads the slot's REF: a counter on the same cache line would make every hit on a hot key
 * invalidate that line in every other reader's cache. A hit dirties only a line of usage records,
 * which lookups never read; the revalidation claim is read just after the hit wrote its line.
 */
public final class UsageLayout {
    /** Bytes per record. */
    public static final int LENGTH = 32;

    public static final int HITS_OFFSET = 0;
    public static final int LAST_USED_MILLIS_OFFSET = HITS_OFFSET + Long.BYTES;
    public static final int REVALIDATE_AFTER_MILLIS_OFFSET = LAST_USED_MILLIS_OFFSET + Long.BYTES;

    private UsageLayout() {
    }

    /** The usage record of slot {@code index}, in the activity file. */
    static long recordOf(int index) {
        return ActivityLayout.LENGTH + (long) index * LENGTH;
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

    static long revalidateAfterVolatile(BytesStore<?, ?> b, long usage) {
        return b.readVolatileLong(usage + REVALIDATE_AFTER_MILLIS_OFFSET);
    }

    static boolean casRevalidateAfter(BytesStore<?, ?> b, long usage, long expected, long millis) {
        return b.compareAndSwapLong(usage + REVALIDATE_AFTER_MILLIS_OFFSET, expected, millis);
    }

    static void putRevalidateAfter(BytesStore<?, ?> b, long usage, long millis) {
        b.writeLong(usage + REVALIDATE_AFTER_MILLIS_OFFSET, millis);
    }

    /** Under the lock, when a key's slot is claimed. */
    static void clear(BytesStore<?, ?> b, long usage) {
        b.writeLong(usage + HITS_OFFSET, 0);
        b.writeLong(usage + LAST_USED_MILLIS_OFFSET, 0);
        b.writeLong(usage + REVALIDATE_AFTER_MILLIS_OFFSET, 0);
    }

    static void putHits(BytesStore<?, ?> b, long usage, long hits) {
        b.writeLong(usage + HITS_OFFSET, hits);
    }
}
