package dev.opcached.protocol.segment;

import net.openhft.chronicle.bytes.BytesStore;

/**
 * Layout of one index slot, and its typed accessors (memory order in the name, as in
 * {@link HeaderLayout}). The index is an open-addressing table of {@code slotCount} slots (a
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
 *  | (reserved)        | HELD_ENTRY        | (reserved)        | (reserved)        |
 *  +-------------------+-------------------+-------------------+-------------------+
 * </pre>
 *
 * <p>{@code REF = (generation & 0xFFFFFFFF) << 32 | entryOffset}. A slot whose REF generation is
 * not the header's generation is empty. An entry offset of 0 means "claimed in this generation,
 * no entry" (being compiled, invalidated, or compiled but not stored); {@link #TOMBSTONE_OFFSET}
 * means "released": a claim whose compile was abandoned before the slot ever held an entry gives
 * its slot back, and probes walk past it (a probe chain must not end there, or keys placed after
 * it would be lost) while a new claim may reuse it. HELD_ENTRY (0 or 1, written under the lock)
 * says whether the claim ever held an entry; only one that never did is released. Only writers
 * write slots: what readers write about a key (hits, last use, the revalidation claim) is its
 * {@link UsageLayout} record in the activity file.
 */
public final class SlotLayout {
    /** Bytes per slot. */
    public static final int LENGTH = 64;

    public static final int REF_OFFSET = 0;
    public static final int KEY_HASH_OFFSET = REF_OFFSET + Long.BYTES;
    public static final int MARKER_PID_OFFSET = KEY_HASH_OFFSET + Long.BYTES;
    public static final int MARKER_SINCE_MILLIS_OFFSET = MARKER_PID_OFFSET + Long.BYTES;
    /** 32..39 reserved (layout version 4 kept the revalidation claim here). */
    public static final int HELD_ENTRY_OFFSET = 40;
    /** The entry offset of a released slot: 0xFFFFFFFF, which no entry can start at (entries are 8-aligned). */
    public static final int TOMBSTONE_OFFSET = -1;
    /** A REF that is empty in every generation (generation 0 is never used). */
    public static final long EMPTY = 0;

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

    /** The entry offset of REF; 0 when the slot holds no entry, {@link #TOMBSTONE_OFFSET} when released. */
    public static int entryOffset(long ref) {
        return (int) ref;
    }

    /** The REF of a slot released in {@code generation}: not a key's, but not the end of a probe chain either. */
    public static long tombstone(long generation) {
        return ref(generation, TOMBSTONE_OFFSET);
    }

    /** Whether REF, of the current generation, marks a released slot. */
    public static boolean isTombstone(long ref) {
        return entryOffset(ref) == TOMBSTONE_OFFSET;
    }

    /** Whether REF points at an entry of {@code generation} (neither empty, claimed without entry, nor released). */
    public static boolean holdsEntry(long ref, long generation) {
        int offset = entryOffset(ref);
        return isGeneration(ref, generation) && offset != 0 && offset != TOMBSTONE_OFFSET;
    }

    /** Offset of slot {@code index}; the index starts right after the header. */
    static long slotAt(int index) {
        return HeaderLayout.LENGTH + (long) index * LENGTH;
    }

    /** The slot's position in the index. */
    static int indexOf(long slot) {
        return (int) ((slot - HeaderLayout.LENGTH) / LENGTH);
    }

    static long refVolatile(BytesStore<?, ?> b, long slot) {
        return b.readVolatileLong(slot + REF_OFFSET);
    }

    /** Publication: every write to the slot and its entry before this is seen by whoever sees the new REF. */
    static void putRefRelease(BytesStore<?, ?> b, long slot, long ref) {
        // A release store is all §22 asks for: readers pair it with an acquire load of REF.
        b.writeOrderedLong(slot + REF_OFFSET, ref);
    }

    static long keyHash(BytesStore<?, ?> b, long slot) {
        return b.readLong(slot + KEY_HASH_OFFSET);
    }

    static void putKeyHash(BytesStore<?, ?> b, long slot, long hash) {
        b.writeLong(slot + KEY_HASH_OFFSET, hash);
    }

    static long markerPid(BytesStore<?, ?> b, long slot) {
        return b.readLong(slot + MARKER_PID_OFFSET);
    }

    static long markerPidVolatile(BytesStore<?, ?> b, long slot) {
        return b.readVolatileLong(slot + MARKER_PID_OFFSET);
    }

    static long markerSince(BytesStore<?, ?> b, long slot) {
        return b.readLong(slot + MARKER_SINCE_MILLIS_OFFSET);
    }

    static long markerSinceVolatile(BytesStore<?, ?> b, long slot) {
        return b.readVolatileLong(slot + MARKER_SINCE_MILLIS_OFFSET);
    }

    static void putMarker(BytesStore<?, ?> b, long slot, long pid, long sinceMillis) {
        b.writeLong(slot + MARKER_PID_OFFSET, pid);
        b.writeLong(slot + MARKER_SINCE_MILLIS_OFFSET, sinceMillis);
    }

    static void putMarkerPid(BytesStore<?, ?> b, long slot, long pid) {
        b.writeLong(slot + MARKER_PID_OFFSET, pid);
    }

    /** Whether the slot's claim ever held an entry; read and written under the lock only. */
    static boolean heldEntry(BytesStore<?, ?> b, long slot) {
        return b.readLong(slot + HELD_ENTRY_OFFSET) != 0;
    }

    static void putHeldEntry(BytesStore<?, ?> b, long slot, boolean held) {
        b.writeLong(slot + HELD_ENTRY_OFFSET, held ? 1 : 0);
    }
}
