package dev.opcached.protocol.segment;

import static dev.opcached.protocol.segment.HeaderLayout.*;

import java.util.function.Consumer;
import net.openhft.chronicle.bytes.BytesStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a writer does under the lock before any change (§15.3): repair a damaged header, restart
 * on an impossible arena top, recount after a writer that died midway or after damaged counters,
 * put right figures no writer could have left, and perform a restart a reader asked for once its
 * own scan confirms the damage (readers write their requests into the activity file, which a
 * script running in a worker can write too: a request alone never empties the cache).
 */
final class SegmentRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentRecovery.class);
    /** Counters of the counters line that only ever grow from 0. */
    private static final int[] COUNTERS = {STORES_OFFSET, OOM_RESTARTS_OFFSET, HASH_RESTARTS_OFFSET,
            MANUAL_RESTARTS_OFFSET, CORRUPTION_RESTARTS_OFFSET, RECOVERIES_OFFSET, COMPILES_OFFSET, LOST_RESTARTS_OFFSET,
            FILE_CACHE_HITS_OFFSET, FILE_CACHE_MISSES_OFFSET, FILE_CACHE_STORES_OFFSET, FILE_CACHE_REJECTIONS_OFFSET,
            FILE_CACHE_BYTES_OFFSET, FILE_CACHE_ENTRIES_OFFSET};
    /**
     * A restart request within this long after a full scan found the segment sound is cleared
     * unscanned; the wait doubles with each sound scan in a row, up to {@link #MAX_REVERIFY_AFTER_MILLIS}.
     */
    private static final long REVERIFY_AFTER_MILLIS = 10_000;
    private static final long MAX_REVERIFY_AFTER_MILLIS = 320_000;
    /** More restarts than this between two writes of one process mean damage, not restarts. */
    private static final long MAX_GENERATION_STEP = 1 << 20;
    private static final int[] STRIPE_FIELDS = {ActivityLayout.STRIPE_HITS, ActivityLayout.STRIPE_MISSES,
            ActivityLayout.STRIPE_BLACKLIST_MISSES};

    private final SegmentFile file;
    private final BytesStore<?, ?> bytes;
    private final BytesStore<?, ?> activity;
    private final SegmentGeometry geometry;
    private final SegmentScan scan;
    private final SlotRelease slots;
    private final EpochClock clock;
    private final Consumer<RestartReason> restart;
    /** The generation this process last left the segment in (0: none yet); guarded by the write lock. */
    private long lastGeneration;
    /** When this process's last scan for a reader's restart request found nothing (0: never); under the lock. */
    private long lastSoundVerificationMillis;
    /** How long after that scan the next request is cleared unscanned; under the lock. */
    private long reverifyAfterMillis = REVERIFY_AFTER_MILLIS;

    SegmentRecovery(SegmentFile file, EpochClock clock, SlotRelease slots, Consumer<RestartReason> restart) {
        this.file = file;
        this.slots = slots;
        this.bytes = file.bytes();
        this.activity = file.activity();
        this.geometry = file.geometry();
        this.scan = new SegmentScan(file);
        this.clock = clock;
        this.restart = restart;
    }

    /** Under the lock, before any change; {@code interruptedWrite}: the previous holder left DIRTY set. */
    void prepareForWrite(boolean interruptedWrite) {
        String damage = scan.headerDamage();
        if (damage == null) {
            damage = generationDamage();
        }
        if (damage != null) {
            LOG.warn("segment {}: {}; rewriting the header, emptying the index and restarting", file, damage);
            writeIdentity();
            repairFigures();
            emptyIndex();
            restart.accept(RestartReason.CORRUPTION);
            return;
        }
        long top = arenaTop(bytes);
        if (!scan.topPlausible(top)) {
            LOG.warn("segment {}: arena top {} out of range; restarting", file, top);
            restart.accept(RestartReason.CORRUPTION);
            return;
        }
        if (interruptedWrite || !countersPlausible(top)) {
            recount();
        }
        repairFigures();
        int pending = ActivityLayout.restartPendingVolatile(activity);
        if (pending != 0) {
            honourRestartRequest(pending);
        }
        repairActivityIdentity();
    }

    /** Step 4: a reader's restart request is a reason to look, not to restart. */
    private void honourRestartRequest(int pending) {
        long now = clock.millis();
        if (lastSoundVerificationMillis != 0 && now - lastSoundVerificationMillis >= 0
                && now - lastSoundVerificationMillis < reverifyAfterMillis) {
            // A request again so soon after a scan found nothing: not worth another full scan
            // (a script can write requests in a loop); real damage is reported again later.
            ActivityLayout.putRestartPendingVolatile(activity, 0);
            return;
        }
        SegmentVerification verification = scan.verify();
        if (verification.sound()) {
            if (lastSoundVerificationMillis != 0) {
                reverifyAfterMillis = Math.min(2 * reverifyAfterMillis, MAX_REVERIFY_AFTER_MILLIS);
            }
            lastSoundVerificationMillis = now;
            ActivityLayout.putRestartPendingVolatile(activity, 0);
            LOG.warn("segment {}: a reader asked for a restart (reason code {}) but the segment verifies sound;"
                    + " not restarting", file, pending);
        } else {
            reverifyAfterMillis = REVERIFY_AFTER_MILLIS;
            LOG.warn("segment {}: a reader's report of damage confirmed ({}); restarting", file,
                    verification.problems().get(0));
            restart.accept(RestartReason.CORRUPTION);
        }
    }

    /**
     * The activity file's identity (its first 40 bytes) is written once, by the creator, and any
     * worker can write it: put it back when it no longer names this segment, or every later attach
     * (a new worker) would refuse the pair.
     */
    private void repairActivityIdentity() {
        if (ActivityLayout.problem(activity, ActivityLayout.fileLength(geometry.slotCount()), geometry.slotCount(),
                file.segmentId()) != null) {
            ActivityLayout.writeIdentity(activity, geometry.slotCount(), file.segmentId());
            LOG.warn("segment {}: its activity file's header was damaged; rewritten", file);
        }
    }

    /** Under the lock, after an operation: the generation it left, to tell a damaged one from a restart's. */
    void finishWrite() {
        lastGeneration = generation(bytes);
    }

    /**
     * Restarts only move the generation forward, one step at a time: a generation below the one this
     * process last left, or implausibly far above it, was damaged, and counting on from it could
     * bring back slots of a generation already used.
     */
    private String generationDamage() {
        long generation = generation(bytes);
        if (lastGeneration != 0 && (generation - lastGeneration < 0 || generation - lastGeneration > MAX_GENERATION_STEP)) {
            return "generation moved from " + lastGeneration + " to " + generation + ", which no restart does";
        }
        return null;
    }

    /** Points every slot at generation 0, which is never used: no slot of any generation survives. */
    private void emptyIndex() {
        for (int i = 0; i < geometry.slotCount(); i++) {
            SlotLayout.putRefRelease(bytes, SlotLayout.slotAt(i), SlotLayout.EMPTY);
        }
    }

    /** Writes back the fields every attached process already knows; creator and times stay as they are. */
    private void writeIdentity() {
        geometry.writeTo(bytes);
        bytes.writeLong(SEGMENT_ID_OFFSET, file.segmentId());
        bytes.writeVolatileInt(VERSION_OFFSET, VERSION_VALUE);
    }

    private boolean countersPlausible(long top) {
        long wasted = wastedBytes(bytes);
        int keys = usedKeys(bytes);
        int scripts = cachedScripts(bytes);
        return wasted >= 0 && wasted <= top && keys >= 0 && keys <= geometry.maxKeys() && scripts >= 0 && scripts <= keys;
    }

    /**
     * Figures that only damage makes (a negative counter, a start time before the epoch or far
     * ahead, see {@link StatisticsReader}) restart from a sane value, so that status reads them
     * as unknown only until here.
     */
    private void repairFigures() {
        int repaired = 0;
        for (int counter : COUNTERS) {
            if (bytes.readLong(counter) < 0) {
                bytes.writeLong(counter, 0);
                repaired++;
            }
        }
        for (int stripe = 0; stripe < ActivityLayout.STRIPE_COUNT; stripe++) {
            for (int field : STRIPE_FIELDS) {
                int at = ActivityLayout.STRIPES_OFFSET + stripe * ActivityLayout.STRIPE_LENGTH + field;
                if (activity.readLong(at) < 0) {
                    activity.writeLong(at, 0);
                    repaired++;
                }
            }
        }
        long now = clock.millis();
        if (StatisticsReader.time(bytes.readLong(START_TIME_MILLIS_OFFSET), now, false) == SegmentStatistics.UNKNOWN) {
            bytes.writeLong(START_TIME_MILLIS_OFFSET, now);
            repaired++;
        }
        if (StatisticsReader.time(bytes.readLong(LAST_RESTART_MILLIS_OFFSET), now, true) == SegmentStatistics.UNKNOWN) {
            bytes.writeLong(LAST_RESTART_MILLIS_OFFSET, now);
            repaired++;
        }
        if (repaired > 0) {
            LOG.warn("segment {}: {} damaged figures (negative counters, impossible times) reset", file, repaired);
        }
    }

    /**
     * A writer died between DIRTY and its end, or the counters were damaged: recount the current
     * generation from the index, dropping (as wasted) any entry that does not verify, and releasing
     * the claims that never held an entry and that no running process compiles (a process killed
     * midway through a compile or its abandon left them), so that no key leaks.
     */
    private void recount() {
        long top = arenaTop(bytes);
        long generation = generation(bytes);
        int released = slots.releaseLeftovers();
        SegmentVerification found = scan.scan(generation, top,
                slot -> SlotLayout.putRefRelease(bytes, slot, SlotLayout.ref(generation, 0)));
        if (found.keys() > geometry.maxKeys() || found.liveBytes() > top) {
            // More keys than allowed, or entries shared by slots: a recount cannot make this right.
            LOG.warn("segment {}: {} keys claimed ({} allowed), {} live bytes below a top of {}; restarting", file,
                    found.keys(), geometry.maxKeys(), found.liveBytes(), top);
            restart.accept(RestartReason.CORRUPTION);
            return;
        }
        putUsedKeys(bytes, found.keys());
        putCachedScripts(bytes, found.scripts());
        putWastedBytes(bytes, top - found.liveBytes());
        increment(bytes, RECOVERIES_OFFSET);
        LOG.warn("segment {}: recovered after an interrupted write or damaged counters: keys={}, scripts={}, wasted={},"
                + " dropped={}, released={}", file, found.keys(), found.scripts(), top - found.liveBytes(),
                found.problems().size(), released);
    }
}
