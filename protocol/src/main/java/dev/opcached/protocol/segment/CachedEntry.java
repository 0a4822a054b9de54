package dev.opcached.protocol.segment;

/**
 * What a lookup found: a snapshot of the entry's metadata and the means to copy out its payload.
 * Safe to hold for any time: {@link Segment#hitIfCurrent} says whether it is still the key's
 * entry. After a restart {@link #copyPayload()} returns null (the arena is being reused); after a
 * replacement or invalidation in the same generation it still returns this entry's own payload,
 * which stays intact until the next restart.
 */
public final class CachedEntry {
    private final SegmentReader reader;
    private final SegmentKey key;
    private final long generation;
    private final long slotOffset;
    private final long ref;
    private final int entryOffset;
    private final int entryLength;
    private final int payloadLength;
    private final EntryMetadata metadata;

    CachedEntry(SegmentReader reader, SegmentKey key, long generation, long slotOffset, long ref,
                int entryOffset, int entryLength, int payloadLength, EntryMetadata metadata) {
        this.reader = reader;
        this.key = key;
        this.generation = generation;
        this.slotOffset = slotOffset;
        this.ref = ref;
        this.entryOffset = entryOffset;
        this.entryLength = entryLength;
        this.payloadLength = payloadLength;
        this.metadata = metadata;
    }

    public SegmentKey key() {
        return key;
    }

    public EntryMetadata metadata() {
        return metadata;
    }

    /** The generation the entry was made in. */
    public long generation() {
        return generation;
    }

    /** Bytes the entry takes in the arena (its memory_consumption). */
    public int memoryConsumption() {
        return entryLength;
    }

    public int payloadLength() {
        return payloadLength;
    }

    /**
     * Copies the payload out of the segment and verifies its checksum.
     *
     * @return the payload, or null when the entry was recycled by a restart meanwhile or is damaged
     *         (a damaged entry also schedules a restart); treat null as a miss
     */
    public byte[] copyPayload() {
        return reader.copyPayload(this);
    }

    long slotOffset() {
        return slotOffset;
    }

    /**
     * The slot's REF that points at this entry (generation and offset, §6): what names this very
     * entry to a writer asked to invalidate it ({@link Segment#invalidate(SegmentKey, long)}).
     */
    public long ref() {
        return ref;
    }

    int entryOffset() {
        return entryOffset;
    }

    @Override
    public String toString() {
        return "CachedEntry[key=" + key + ", generation=" + generation + ", offset=" + entryOffset
                + ", length=" + entryLength + "]";
    }
}
