package dev.opcached.protocol.segment;

/**
 * Layout of one index slot. The index is an open-addressing table of {@code slotCount} slots (a
 * power of two), starting at {@link HeaderLayout#LENGTH}, probed linearly from
 * {@code hash & (slotCount - 1)}. A slot is one 64-byte cache line.
 *
 * <pre>
 *   0                   8                   16                  24
 *  +-------------------+-------------------+-------------------+-------------------+
 *  | REF               | KEY_HASH          | MARKER_PID        | MARKER_SINCE_MS   |
 *  +-------------------+-------------------+-------------------+-------------------+
 *   32                  40                  48                  56
 *  +-------------------+-------------------+-------------------+-------------------+
 *  | HITS              | LAST_USED_MS      | REVALIDATE_AFTER  | (reserved)        |
 *  +-------------------+-------------------+-------------------+-------------------+
 * </pre>
 *
 * <p>{@code REF = (generation & 0xFFFFFFFF) << 32 | entryOffset}. A slot whose REF generation is
 * not the header's generation is empty. An entry offset of 0 means "claimed in this generation,
 * no entry" (being compiled, invalidated, or compiled but not stored). HITS, LAST_USED and
 * REVALIDATE_AFTER are per key and are updated by readers without the lock; they live here, not
 * in the entry, so that no reader ever writes into the arena.
 */
public final class SlotLayout {
    /** Bytes per slot. */
    public static final int LENGTH = 64;

    public static final int REF_OFFSET = 0;
    public static final int KEY_HASH_OFFSET = REF_OFFSET + Long.BYTES;
    public static final int MARKER_PID_OFFSET = KEY_HASH_OFFSET + Long.BYTES;
    public static final int MARKER_SINCE_MILLIS_OFFSET = MARKER_PID_OFFSET + Long.BYTES;
    public static final int HITS_OFFSET = MARKER_SINCE_MILLIS_OFFSET + Long.BYTES;
    public static final int LAST_USED_MILLIS_OFFSET = HITS_OFFSET + Long.BYTES;
    public static final int REVALIDATE_AFTER_MILLIS_OFFSET = LAST_USED_MILLIS_OFFSET + Long.BYTES;

    private SlotLayout() {
    }

    /** The REF value for an entry at {@code entryOffset} in {@code generation}; 0 for "no entry". */
    public static long ref(long generation, int entryOffset) {
        return (generation & 0xFFFF_FFFFL) << 32 | (entryOffset & 0xFFFF_FFFFL);
    }

    /** Whether REF belongs to {@code generation}. */
    public static boolean isGeneration(long ref, long generation) {
        return (int) (ref >>> 32) == (int) generation;
    }

    /** The entry offset of REF; 0 when the slot holds no entry. */
    public static int entryOffset(long ref) {
        return (int) ref;
    }
}
