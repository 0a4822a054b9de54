package dev.opcached.protocol.segment;

import static dev.opcached.protocol.segment.HeaderLayout.*;

import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import net.openhft.chronicle.bytes.BytesStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operations that run under the cross-process write lock (§15 to §18): store, invalidate,
 * reset and housekeeping, each preceded by the repair of {@link SegmentRecovery}, and the restart
 * they share.
 */
final class SegmentWriter {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentWriter.class);

    private final SegmentFile file;
    private final BytesStore<?, ?> bytes;
    /** The usage records and restart requests, which claims, stores and restarts reset. */
    private final BytesStore<?, ?> activity;
    private final SegmentGeometry geometry;
    private final IndexProbe index;
    private final SegmentScan scan;
    private final SlotRelease slots;
    private final SegmentRecovery recovery;
    private final EpochClock clock;
    private final long lockTimeoutNanos;
    private final long pid = ProcessHandle.current().pid();

    SegmentWriter(SegmentFile file, IndexProbe index, EpochClock clock, ProcessTable processes, long lockTimeoutMillis) {
        this.file = file;
        this.bytes = file.bytes();
        this.activity = file.activity();
        this.geometry = file.geometry();
        this.index = index;
        this.scan = new SegmentScan(file);
        this.slots = new SlotRelease(file, index, processes);
        this.recovery = new SegmentRecovery(file, clock, slots, this::restart);
        this.clock = clock;
        this.lockTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(lockTimeoutMillis);
    }

    // ---------------------------------------------------------------------------------------------
    // the lock

    /** Runs {@code operation} under the lock, after {@link SegmentRecovery#prepareForWrite}. */
    <T> T write(Supplier<T> operation) {
        lock();
        try {
            boolean interrupted = dirty(bytes) != 0;
            putDirtyVolatile(bytes);
            recovery.prepareForWrite(interrupted);
            T result = operation.get();
            recovery.finishWrite();
            putCleanRelease(bytes);
            return result;
        } finally {
            unlock();
        }
    }

    private void lock() {
        boolean locked;
        try {
            locked = file.handle().lock(lockTimeoutNanos);
        } catch (IOException e) {
            throw file.closedOr(new SegmentException("segment " + file + ": cannot take the write lock: " + e, e));
        }
        if (!locked) {
            long holder = lockWordVolatile(bytes);
            long since = lockSinceVolatile(bytes);
            throw new SegmentLockTimeoutException("segment " + file + ": write lock not free after "
                    + TimeUnit.NANOSECONDS.toMillis(lockTimeoutNanos) + " ms; held by pid " + holder + " since "
                    + Instant.ofEpochMilli(since) + ". A dead holder releases it at once, so that process is alive but"
                    + " stuck (stopped? in a debugger?): resume or kill it");
        }
        putLockHolder(bytes, pid, clock.millis());
    }

    private void unlock() {
        try {
            putLockFree(bytes);
        } finally {
            try {
                file.handle().unlock();
            } catch (IOException e) {
                throw new SegmentException("segment " + file + ": cannot release the write lock: " + e, e);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // §16 store

    StoreOutcome store(SegmentKey key, EntryMetadata metadata, byte[] payload) {
        long entryLength = EntryLayout.entryLength(key.utf8().length, payload.length);
        if (entryLength > geometry.arenaLength()) {
            return StoreOutcome.TOO_LARGE;
        }
        return write(() -> {
            for (int attempt = 0; ; attempt++) {
                long generation = generation(bytes);
                long slot = index.slotOf(key, generation);
                boolean claim = slot < 0;
                if (claim && (slot == IndexProbe.NO_SLOT || usedKeys(bytes) >= geometry.maxKeys())) {
                    if (attempt == 0 && restartIfWasted(RestartReason.HASH)) {
                        continue;
                    }
                    putCacheFull(bytes, true);
                    return StoreOutcome.CACHE_FULL;
                }
                long top = arenaTop(bytes);
                if (top + entryLength > geometry.arenaLength()) {
                    if (attempt == 0 && restartIfWasted(RestartReason.OOM)) {
                        continue;
                    }
                    putCacheFull(bytes, true);
                    return StoreOutcome.CACHE_FULL;
                }
                int offset = (int) (geometry.arenaOffset() + top);
                putArenaTop(bytes, top + entryLength);
                writeEntry(offset, (int) entryLength, key, generation, metadata, payload);
                if (claim) {
                    slot = -slot - 1;
                    claimSlot(slot, key);
                } else {
                    retire(SlotLayout.entryOffset(SlotLayout.refVolatile(bytes, slot)));
                }
                SlotLayout.putMarkerPid(bytes, slot, 0);
                SlotLayout.putHeldEntry(bytes, slot, true);
                long usage = geometry.usageOf(slot);
                UsageLayout.putHits(activity, usage, 0);
                UsageLayout.putRevalidateAfter(activity, usage, 0);
                // Publication: everything above is visible before the slot points at it.
                SlotLayout.putRefRelease(bytes, slot, SlotLayout.ref(generation, offset));
                putCachedScripts(bytes, cachedScripts(bytes) + 1);
                increment(bytes, STORES_OFFSET);
                return StoreOutcome.STORED;
            }
        });
    }

    private void writeEntry(int offset, int length, SegmentKey key, long generation, EntryMetadata metadata,
                            byte[] payload) {
        EntryLayout.putContents(bytes, offset, length, key, generation, metadata, payload);
        long end = offset + (long) EntryLayout.HEADER_LENGTH + key.utf8().length + payload.length;
        EntryLayout.putChecksum(bytes, offset, EntryLayout.computeChecksum(bytes, offset, end, new byte[0]));
        EntryLayout.putMagicRelease(bytes, offset, EntryLayout.MAGIC_VALUE);
    }

    /** Claims an empty or released slot for {@code key} (no entry yet, no marker; REF is the caller's to publish). */
    void claimSlot(long slot, SegmentKey key) {
        SlotLayout.putKeyHash(bytes, slot, key.hash());
        SlotLayout.putMarker(bytes, slot, 0, 0);
        SlotLayout.putHeldEntry(bytes, slot, false);
        UsageLayout.clear(activity, geometry.usageOf(slot));
        putUsedKeys(bytes, usedKeys(bytes) + 1);
    }

    /** Gives back a claimed slot that never held an entry; see {@link SlotRelease#release}. */
    void releaseSlot(long slot) {
        slots.release(slot);
    }

    /** Points the slot at no entry, counting its entry, if any, as wasted. */
    private boolean wasteEntryOf(long slot) {
        int offset = SlotLayout.entryOffset(SlotLayout.refVolatile(bytes, slot));
        if (offset == 0) {
            return false;
        }
        SlotLayout.putRefRelease(bytes, slot, SlotLayout.ref(generation(bytes), 0));
        retire(offset);
        return true;
    }

    /** Counts the entry at {@code offset} (none when 0), no longer referenced, as wasted. */
    private void retire(int offset) {
        if (offset == 0) {
            return;
        }
        long length = geometry.entryHeaderInArena(offset) ? EntryLayout.length(bytes, offset) : 0;
        putWastedBytes(bytes, wastedBytes(bytes) + length);
        putCachedScripts(bytes, cachedScripts(bytes) - 1);
    }

    private boolean restartIfWasted(RestartReason reason) {
        if (wastedBytes(bytes) * 100 >= (long) geometry.maxWastedPercentage() * geometry.segmentLength()) {
            restart(reason);
            return true;
        }
        return false;
    }

    // ---------------------------------------------------------------------------------------------
    // §17 invalidate

    boolean invalidate(SegmentKey key, boolean force) {
        SourceStamp stamp = force ? null : SourceStamp.of(Path.of(key.path()));
        return write(() -> {
            long slot = index.slotOf(key, generation(bytes));
            if (slot < 0) {
                return false;
            }
            int offset = SlotLayout.entryOffset(SlotLayout.refVolatile(bytes, slot));
            if (offset == 0) {
                return false;
            }
            if (!force && stamp != null && stamp.mtimeMillis() == EntryLayout.sourceMtime(bytes, offset)
                    && stamp.size() == EntryLayout.sourceSize(bytes, offset)) {
                return false;
            }
            return wasteEntryOf(slot);
        });
    }

    /** Invalidates the key's entry if its slot's REF is still {@code ref}: a newer one stored meanwhile stays. */
    boolean invalidateRef(SegmentKey key, long ref) {
        return write(() -> {
            long slot = index.slotOf(key, generation(bytes));
            if (slot < 0 || SlotLayout.refVolatile(bytes, slot) != ref) {
                return false;
            }
            return wasteEntryOf(slot);
        });
    }

    List<String> invalidatePrefix(String prefix) {
        return write(() -> {
            long generation = generation(bytes);
            List<String> invalidated = new ArrayList<>();
            for (int i = 0; i < geometry.slotCount(); i++) {
                long slot = SlotLayout.slotAt(i);
                long ref = SlotLayout.refVolatile(bytes, slot);
                if (SlotLayout.holdsEntry(ref, generation)) {
                    String key = scan.entryKey(SlotLayout.entryOffset(ref));
                    if (key != null && key.startsWith(prefix)) {
                        wasteEntryOf(slot);
                        invalidated.add(key);
                    }
                }
            }
            return invalidated;
        });
    }

    // ---------------------------------------------------------------------------------------------
    // §18 restarts

    long reset() {
        return write(() -> {
            restart(RestartReason.MANUAL);
            return generation(bytes);
        });
    }

    /**
     * Housekeeping under the lock (which repairs what it finds first); the creator also puts back
     * damaged creator fields, which no other check repairs and which tell attach the pool lives.
     */
    void maintain() {
        write(() -> {
            ProcessIdentity creator = file.createdBy();
            if (creator != null && (creatorPidVolatile(bytes) != creator.pid()
                    || creatorStartTicks(bytes) != creator.startTicks())) {
                LOG.warn("segment {}: creator fields read pid {}, tick {}; rewriting them as {}", file,
                        creatorPidVolatile(bytes), creatorStartTicks(bytes), creator);
                bytes.writeLong(CREATOR_PID_OFFSET, creator.pid());
                bytes.writeLong(CREATOR_START_TICKS_OFFSET, creator.startTicks());
            }
            return null;
        });
    }

    /** Under the lock: moves to a new generation, which empties the cache for everyone at once. */
    void restart(RestartReason reason) {
        long generation = generation(bytes) + 1;
        if (generation == 0 || (int) generation == 0) {
            generation++; // keep REF generation 0 meaning "never written"
        }
        putGenerationVolatile(bytes, generation);
        VarHandle.fullFence();
        putArenaTop(bytes, 0);
        putWastedBytes(bytes, 0);
        putUsedKeys(bytes, 0);
        putCachedScripts(bytes, 0);
        putCacheFull(bytes, false);
        long now = clock.millis();
        putLastRestart(bytes, now, reason);
        appendRestartLog(bytes, now, generation, reason);
        increment(bytes, restartCounterOffset(reason));
        ActivityLayout.putRestartPendingVolatile(activity, 0);
        LOG.info("segment {}: restart ({}), generation {}", file, reason, generation);
    }
}
