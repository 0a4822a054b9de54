package dev.opcached.protocol.segment;

/**
 * What a segment is created with, in OPcache's terms, and the geometry derived from it.
 *
 * @param memoryConsumption   whole segment size in bytes (opcache.memory_consumption)
 * @param maxAcceleratedFiles most keys the index holds (opcache.max_accelerated_files)
 * @param maxWastedPercentage wasted share of memory at which a full cache restarts
 *                            (opcache.max_wasted_percentage)
 */
public record SegmentConfig(long memoryConsumption, int maxAcceleratedFiles, int maxWastedPercentage) {
    /** FileChannel.map maps at most 2 GiB - 1; the segment stays within one mapping. */
    public static final long MAX_MEMORY_CONSUMPTION = (Integer.MAX_VALUE / 4096L) * 4096L;
    /** The index never fills beyond half its slots, which keeps probe chains short. */
    public static final int SLOTS_PER_KEY = 2;
    /** Smallest arena accepted. */
    public static final long MIN_ARENA_LENGTH = 4096;

    public SegmentConfig {
        if (maxAcceleratedFiles < 1 || maxAcceleratedFiles > (1 << 24)) {
            throw new IllegalArgumentException("maxAcceleratedFiles must be 1.." + (1 << 24)
                    + ": maxAcceleratedFiles=" + maxAcceleratedFiles);
        }
        if (maxWastedPercentage < 1 || maxWastedPercentage > 50) {
            throw new IllegalArgumentException(
                    "maxWastedPercentage must be 1..50: maxWastedPercentage=" + maxWastedPercentage);
        }
        if (memoryConsumption > MAX_MEMORY_CONSUMPTION || memoryConsumption % 8 != 0) {
            throw new IllegalArgumentException("memoryConsumption must be a multiple of 8 up to "
                    + MAX_MEMORY_CONSUMPTION + ": memoryConsumption=" + memoryConsumption);
        }
        long arena = memoryConsumption - HeaderLayout.LENGTH - (long) slotCount(maxAcceleratedFiles) * SlotLayout.LENGTH;
        if (arena < MIN_ARENA_LENGTH) {
            throw new IllegalArgumentException("memoryConsumption too small for maxAcceleratedFiles="
                    + maxAcceleratedFiles + ": memoryConsumption=" + memoryConsumption
                    + ", minimum=" + (memoryConsumption - arena + MIN_ARENA_LENGTH));
        }
    }

    /** Slots in the index: the power of two at or above {@link #SLOTS_PER_KEY} x keys. */
    public int slotCount() {
        return slotCount(maxAcceleratedFiles);
    }

    static int slotCount(int maxKeys) {
        return Integer.highestOneBit(Math.max(2, maxKeys * SLOTS_PER_KEY) - 1) << 1;
    }

    /** Where the arena starts. */
    public long arenaOffset() {
        return HeaderLayout.LENGTH + (long) slotCount() * SlotLayout.LENGTH;
    }

    /** Bytes available to entries. */
    public long arenaLength() {
        return memoryConsumption - arenaOffset();
    }
}
