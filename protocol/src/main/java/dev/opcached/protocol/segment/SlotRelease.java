package dev.opcached.protocol.segment;

import static dev.opcached.protocol.segment.HeaderLayout.*;

import net.openhft.chronicle.bytes.BytesStore;

/**
 * Gives index slots back (§6, §19), under the lock: the release of a claim that never held an
 * entry, and the recount's release of such claims left behind by processes that died.
 */
final class SlotRelease {
    private final BytesStore<?, ?> bytes;
    private final SegmentGeometry geometry;
    private final IndexProbe index;
    private final ProcessTable processes;

    SlotRelease(SegmentFile file, IndexProbe index, ProcessTable processes) {
        this.bytes = file.bytes();
        this.geometry = file.geometry();
        this.index = index;
        this.processes = processes;
    }

    /**
     * Gives back a claimed slot that never held an entry (§19 abandon): it becomes a tombstone, which
     * probes walk past and a claim may reuse, and no longer counts as a key. Tombstones that end a
     * chain (the next slot is empty) are emptied, from this one backward: no key lies beyond them,
     * since every slot between a key's home and its slot is non-empty, so chains get short again.
     */
    void release(long slot) {
        long generation = generation(bytes);
        SlotLayout.putRefRelease(bytes, slot, SlotLayout.tombstone(generation));
        putUsedKeys(bytes, usedKeys(bytes) - 1);
        emptyChainEnd(slot, generation);
    }

    /**
     * For a recount (§15.3): releases every claim that never held an entry and that nobody
     * compiles any more (no marker, or the marker of a process that is not running: a process
     * killed while it compiled or abandoned), and empties tombstones left at a chain's end. Leaves
     * {@code USED_KEYS} to the recount.
     *
     * @return how many claims were released
     */
    int releaseLeftovers() {
        long generation = generation(bytes);
        int released = 0;
        for (int i = 0; i < geometry.slotCount(); i++) {
            long slot = SlotLayout.slotAt(i);
            long ref = SlotLayout.refVolatile(bytes, slot);
            if (SlotLayout.isGeneration(ref, generation) && !SlotLayout.isTombstone(ref)
                    && SlotLayout.entryOffset(ref) == 0 && !SlotLayout.heldEntry(bytes, slot)) {
                long marker = SlotLayout.markerPid(bytes, slot);
                if (marker == 0 || !processes.isRunning(marker)) {
                    SlotLayout.putRefRelease(bytes, slot, SlotLayout.tombstone(generation));
                    released++;
                }
            }
        }
        for (int i = 0; i < geometry.slotCount(); i++) {
            emptyChainEnd(SlotLayout.slotAt(i), generation);
        }
        return released;
    }

    private void emptyChainEnd(long slot, long generation) {
        for (long at = slot; released(at, generation) && empty(index.following(at), generation); at = index.preceding(at)) {
            SlotLayout.putRefRelease(bytes, at, SlotLayout.EMPTY);
        }
    }

    private boolean released(long slot, long generation) {
        long ref = SlotLayout.refVolatile(bytes, slot);
        return SlotLayout.isGeneration(ref, generation) && SlotLayout.isTombstone(ref);
    }

    private boolean empty(long slot, long generation) {
        return !SlotLayout.isGeneration(SlotLayout.refVolatile(bytes, slot), generation);
    }
}
