package dev.opcached.protocol.segment;

import static dev.opcached.protocol.segment.HeaderLayout.*;

import net.openhft.chronicle.bytes.BytesStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writes made without the lock (§14.4, §20, §21). What any reader writes goes to the activity
 * file: statistics stripes, a key's usage record, revalidation claims, restart requests. What only
 * writers write goes to the segment file's header: compiles, file-cache figures, the stat
 * generation and the heartbeat ({@link SegmentFile#checkWritesEntries()} first). None of them
 * touches the index or the arena. Callers check that the segment is open
 * ({@link SegmentFile#lockFree}, {@link SegmentFile#guard}).
 */
final class LockFreeWriter implements RestartRequests {
    private static final Logger LOG = LoggerFactory.getLogger(LockFreeWriter.class);
    /**
     * How far another process's clock may be ahead of this one's when it claims (workers read a
     * coarse clock of their own, 10 ms steps): a claim further ahead than a period plus this was
     * never made by the protocol.
     */
    private static final long CLAIM_SKEW_MILLIS = 1_000;
    /** last_used is written at most this often per key, to keep hits from dirtying its line twice. */
    private static final long LAST_USED_GRANULARITY_MILLIS = 1_000;

    private final SegmentFile file;
    private final BytesStore<?, ?> bytes;
    private final BytesStore<?, ?> activity;
    private final SegmentGeometry geometry;
    private final EpochClock clock;
    private final long pid = ProcessHandle.current().pid();
    /** False for an observer's mapping, whose activity file is read-only: then nothing is counted. */
    private final boolean counts;

    LockFreeWriter(SegmentFile file, EpochClock clock) {
        this.file = file;
        this.bytes = file.bytes();
        this.activity = file.activity();
        this.geometry = file.geometry();
        this.clock = clock;
        this.counts = file.access().writesActivity();
    }

    /**
     * This thread's statistics stripe: by pid and thread, so that neither the workers nor the
     * request threads of one worker add to the same cache line.
     */
    private int stripe() {
        return ActivityLayout.stripeOffset(pid * 31 + Thread.currentThread().getId());
    }

    void countHit(long slot) {
        if (!counts) {
            return;
        }
        ActivityLayout.addToStripe(activity, stripe(), ActivityLayout.STRIPE_HITS);
        // The slot may have been recycled for another key by a restart since we looked: then this
        // adds one hit to that key. Usage records are never in the arena, so no entry can be damaged.
        long usage = geometry.usageOf(slot);
        UsageLayout.addHit(activity, usage);
        long now = clock.millis();
        long lastUsed = UsageLayout.lastUsed(activity, usage);
        if (now - lastUsed >= LAST_USED_GRANULARITY_MILLIS || now < lastUsed) {
            UsageLayout.putLastUsedRelease(activity, usage, now);
        }
    }

    void countMiss() {
        count(ActivityLayout.STRIPE_MISSES);
    }

    void countBlacklistMiss() {
        count(ActivityLayout.STRIPE_BLACKLIST_MISSES);
    }

    private void count(int stripeField) {
        if (!counts) {
            return;
        }
        ActivityLayout.addToStripe(activity, stripe(), stripeField);
    }

    void countCompile() {
        file.checkWritesEntries();
        addCompiles(bytes);
    }

    void countFileCache(FileCacheFigures change) {
        file.checkWritesEntries();
        addFileCacheFigures(bytes, change);
    }

    /**
     * §20: true (and the key's next check pushed {@code freqMillis} ahead) for one caller per
     * period. A claim further ahead than one period (and the clocks' skew) from now was never made
     * by this protocol (the activity file is writable by every worker, and so by its scripts): it
     * counts as due. (A script that keeps claiming can still hold every claim; workers bound that
     * with a check of their own, see the daemon's SharedCompilePath.)
     */
    boolean claimRevalidation(CachedEntry entry, long freqMillis) {
        if (!counts) {
            return false;
        }
        long slot = entry.slotOffset();
        long usage = geometry.usageOf(slot);
        long due = UsageLayout.revalidateAfterVolatile(activity, usage);
        long now = clock.millis();
        // 0: never validated since the store; like OPcache, the first check is due one period
        // after the compile, not on the first request.
        long dueAt = due == 0 ? entry.metadata().compiledAtMillis() + freqMillis : due;
        if (dueAt > now + freqMillis + CLAIM_SKEW_MILLIS) {
            dueAt = now;
        }
        if (now < dueAt || SlotLayout.refVolatile(bytes, slot) != entry.ref()) {
            return false;
        }
        return UsageLayout.casRevalidateAfter(activity, usage, due, now + freqMillis);
    }

    /**
     * §18.3: asks for a restart at the next write; readers cannot take the lock, so this is how they
     * report damage. Only the process that sets the request logs it.
     */
    @Override
    public void request(RestartReason reason, String what) {
        if (counts && ActivityLayout.casRestartPending(activity, 0, reason.code())) {
            LOG.warn("segment {}: {}; restart scheduled (reason {})", file, what, reason);
        }
    }

    long clearStatCaches() {
        file.checkWritesEntries();
        return addStatGeneration(bytes, 1);
    }

    void heartbeat() {
        file.checkWritesEntries();
        putHeartbeatRelease(bytes, clock.millis());
    }
}
