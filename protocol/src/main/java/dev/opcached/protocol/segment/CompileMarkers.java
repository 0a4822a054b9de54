package dev.opcached.protocol.segment;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import net.openhft.chronicle.bytes.BytesStore;

/**
 * Single-flight compiles across the pool (§19): the first process to miss a key marks the key's
 * slot as compiled by it; the others wait for its store, and take over from an owner that died,
 * went stale, or whose wait deadline passed.
 */
final class CompileMarkers {
    private final BytesStore<?, ?> bytes;
    private final SegmentGeometry geometry;
    private final SegmentWriter writer;
    private final SegmentReader reader;
    private final IndexProbe index;
    private final EpochClock clock;
    private final ProcessTable processes;
    private final long pid = ProcessHandle.current().pid();

    CompileMarkers(SegmentFile file, SegmentWriter writer, SegmentReader reader, EpochClock clock,
                   ProcessTable processes) {
        this.bytes = file.bytes();
        this.geometry = file.geometry();
        this.writer = writer;
        this.reader = reader;
        this.index = reader.index();
        this.clock = clock;
        this.processes = processes;
    }

    /**
     * Whether a marker stamped {@code sinceMillis} still holds its key at {@code now}: younger than
     * {@code staleAfterMillis}, in either direction. A stamp a little ahead of our clock is held
     * (processes read coarse clocks that lag each other by a tick or more under load); one ahead by
     * {@code staleAfterMillis} or more is not, and {@code staleAfterMillis} 0 holds nothing, so a
     * waiter whose deadline passed always takes over, whatever the other process's clock says.
     */
    static boolean held(long now, long sinceMillis, long staleAfterMillis) {
        return now - sinceMillis < staleAfterMillis && sinceMillis - now < staleAfterMillis;
    }

    CompileClaim begin(SegmentKey key, long staleAfterMillis) {
        return writer.write(() -> {
            long generation = HeaderLayout.generation(bytes);
            long slot = index.slotOf(key, generation);
            long now = clock.millis();
            if (slot < 0) {
                if (slot == IndexProbe.NO_SLOT || HeaderLayout.usedKeys(bytes) >= geometry.maxKeys()) {
                    return CompileClaim.UNTRACKED;
                }
                slot = -slot - 1;
                writer.claimSlot(slot, key);
                SlotLayout.putMarker(bytes, slot, pid, now);
                SlotLayout.putRefRelease(bytes, slot, SlotLayout.ref(generation, 0));
                return CompileClaim.OWNER;
            }
            if (SlotLayout.entryOffset(SlotLayout.refVolatile(bytes, slot)) != 0) {
                return CompileClaim.CACHED;
            }
            long owner = SlotLayout.markerPid(bytes, slot);
            long since = SlotLayout.markerSince(bytes, slot);
            if (owner != 0 && held(now, since, staleAfterMillis) && processes.isRunning(owner)) {
                return CompileClaim.busy(owner, since);
            }
            SlotLayout.putMarker(bytes, slot, pid, now);
            return CompileClaim.OWNER;
        });
    }

    CompileClaim await(SegmentKey key, long staleAfterMillis, long maxWaitMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
        while (true) {
            CompileClaim claim = begin(key, System.nanoTime() - deadline >= 0 ? 0 : staleAfterMillis);
            if (claim.kind() != CompileClaim.Kind.BUSY) {
                return claim;
            }
            long pause = 200_000;
            while (System.nanoTime() - deadline < 0) {
                LockSupport.parkNanos(pause);
                pause = Math.min(pause * 2, 10_000_000);
                if (reader.find(key) != null) {
                    return CompileClaim.CACHED;
                }
                if (!markerIs(key, claim.ownerPid(), claim.sinceMillis())
                        || !held(clock.millis(), claim.sinceMillis(), staleAfterMillis)
                        || !processes.isRunning(claim.ownerPid())) {
                    break;
                }
            }
        }
    }

    /** Whether the key's slot still holds "claimed, no entry" with this marker. */
    private boolean markerIs(SegmentKey key, long ownerPid, long sinceMillis) {
        long generation = HeaderLayout.generationVolatile(bytes);
        long hash = key.hash();
        for (long slot = index.next(hash, generation, IndexProbe.START); slot >= 0; slot = index.next(hash, generation, slot)) {
            // The hash again after REF: the slot may have been released and claimed by another key since the walk saw it.
            if (SlotLayout.entryOffset(SlotLayout.refVolatile(bytes, slot)) == 0 && SlotLayout.keyHash(bytes, slot) == hash) {
                return SlotLayout.markerPidVolatile(bytes, slot) == ownerPid
                        && SlotLayout.markerSinceVolatile(bytes, slot) == sinceMillis;
            }
        }
        return false;
    }

    /**
     * Clears our marker; a claim that never held an entry in this generation also gives its slot
     * back, so that files that fail to compile do not use up the index.
     */
    void abandon(SegmentKey key) {
        writer.write(() -> {
            long slot = index.slotOf(key, HeaderLayout.generation(bytes));
            if (slot >= 0 && SlotLayout.markerPid(bytes, slot) == pid) {
                // The release first: a process killed after clearing the marker but before the
                // release would leave a claim that looks like no one's. A released slot needs no
                // marker (waiters see it is no longer "claimed, no entry").
                if (SlotLayout.entryOffset(SlotLayout.refVolatile(bytes, slot)) == 0 && !SlotLayout.heldEntry(bytes, slot)) {
                    writer.releaseSlot(slot);
                } else {
                    SlotLayout.putMarkerPid(bytes, slot, 0);
                }
            }
            return null;
        });
    }
}
