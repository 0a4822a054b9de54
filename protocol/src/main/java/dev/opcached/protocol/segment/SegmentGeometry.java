package dev.opcached.protocol.segment;

import static dev.opcached.protocol.segment.HeaderLayout.*;

import net.openhft.chronicle.bytes.BytesStore;

/**
 * A process's own copy of a segment's geometry, read once at attach: every offset later read from
 * the segment is checked against this copy, never against header fields that may since be damaged.
 *
 * @param segmentLength       the whole file
 * @param slotCount           index slots, a power of two
 * @param maxKeys             max_accelerated_files
 * @param maxWastedPercentage max_wasted_percentage
 */
record SegmentGeometry(long segmentLength, int slotCount, int maxKeys, int maxWastedPercentage) {

    static SegmentGeometry of(SegmentConfig config) {
        return new SegmentGeometry(config.memoryConsumption(), config.slotCount(), config.maxAcceleratedFiles(),
                config.maxWastedPercentage());
    }

    int slotMask() {
        return slotCount - 1;
    }

    long arenaOffset() {
        return HeaderLayout.LENGTH + (long) slotCount * SlotLayout.LENGTH;
    }

    long arenaLength() {
        return segmentLength - arenaOffset();
    }

    /** The usage record of a slot, in the activity file. */
    long usageOf(long slot) {
        return UsageLayout.recordOf(SlotLayout.indexOf(slot));
    }

    /** Whether an entry header at {@code offset} lies wholly in the arena, 8-aligned. */
    boolean entryHeaderInArena(long offset) {
        return offset >= arenaOffset() && offset <= segmentLength - EntryLayout.HEADER_LENGTH && (offset & 7) == 0;
    }

    /** Writes the fields every attached process knows: at create, and when repairing a damaged header. */
    void writeTo(BytesStore<?, ?> b) {
        b.writeLong(MAGIC_OFFSET, MAGIC_VALUE);
        b.writeInt(HEADER_LENGTH_OFFSET, LENGTH);
        b.writeLong(SEGMENT_LENGTH_OFFSET, segmentLength);
        b.writeInt(SLOT_COUNT_OFFSET, slotCount);
        b.writeInt(MAX_KEYS_OFFSET, maxKeys);
        b.writeLong(INDEX_OFFSET_OFFSET, LENGTH);
        b.writeLong(ARENA_OFFSET_OFFSET, arenaOffset());
        b.writeLong(ARENA_LENGTH_OFFSET, arenaLength());
        b.writeLong(MAX_WASTED_PERCENTAGE_OFFSET, maxWastedPercentage);
    }

    /** What is wrong with the geometry the header states for a file of {@code segmentLength} bytes, or null. */
    static String problem(BytesStore<?, ?> header, long segmentLength) {
        int slotCount = header.readInt(SLOT_COUNT_OFFSET);
        int maxKeys = header.readInt(MAX_KEYS_OFFSET);
        long maxWasted = header.readLong(MAX_WASTED_PERCENTAGE_OFFSET);
        if (header.readInt(HEADER_LENGTH_OFFSET) != LENGTH) {
            return "header length " + header.readInt(HEADER_LENGTH_OFFSET) + " is not " + LENGTH;
        }
        if (maxKeys < 1 || maxKeys > (1 << 24) || slotCount != SegmentConfig.slotCount(maxKeys)) {
            return "slot count " + slotCount + " does not fit max keys " + maxKeys;
        }
        SegmentGeometry derived = new SegmentGeometry(segmentLength, slotCount, maxKeys, (int) maxWasted);
        if (header.readLong(INDEX_OFFSET_OFFSET) != LENGTH
                || header.readLong(ARENA_OFFSET_OFFSET) != derived.arenaOffset()
                || header.readLong(ARENA_LENGTH_OFFSET) != derived.arenaLength()
                || derived.arenaLength() < SegmentConfig.MIN_ARENA_LENGTH) {
            return "index/arena offsets do not match slot count " + slotCount + " and length " + segmentLength;
        }
        if (maxWasted < 1 || maxWasted > 50) {
            return "max wasted percentage " + maxWasted + " is outside 1..50";
        }
        return null;
    }

    /** The geometry a sound header states (call after {@link #problem} found none). */
    static SegmentGeometry read(BytesStore<?, ?> header) {
        return new SegmentGeometry(header.readLong(SEGMENT_LENGTH_OFFSET), header.readInt(SLOT_COUNT_OFFSET),
                header.readInt(MAX_KEYS_OFFSET), (int) header.readLong(MAX_WASTED_PERCENTAGE_OFFSET));
    }

    /** Whether the header still states exactly this geometry. */
    boolean matches(BytesStore<?, ?> header) {
        return header.readLong(SEGMENT_LENGTH_OFFSET) == segmentLength && problem(header, segmentLength) == null
                && read(header).equals(this);
    }
}
