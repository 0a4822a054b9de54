package dev.opcached.protocol.segment;

import static dev.opcached.protocol.segment.HeaderLayout.*;

import net.openhft.chronicle.bytes.BytesStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writes a read-write attached process makes without the lock (§14.4, §20, §21): statistics
 * stripes, a key's usage record, revalidation claims, restart requests, the stat generation and
 * the heartbeat. None of them touches the arena. Callers check that the segment is open
 * ({@link SegmentFile#lockFree}, {@link SegmentFile#guard}).
 */
final class LockFreeWriter implements RestartRequests {
    private static final Logger LOG = LoggerFactory.getLogger(LockFreeWriter.class);
    /** last_used is written at most this often per key, to keep hits from dirtying its line twice. */
    private static final long LAST_USED_GRANULARITY_MILLIS = 1_000;

    private final SegmentFile file;
    private final BytesStore<?, ?> bytes;
    private final SegmentGeometry geometry;
    private final EpochClock clock;
    private final long pid = ProcessHandle.current().pid();

    LockFreeWriter(SegmentFile file, EpochClock clock) {
        this.file = file;
        this.bytes = file.bytes();
        this.geometry = file.geometry();
        this.clock = clock;
    }

    /**
     * This thread's statistics stripe: by pid and thread, so that neither the workers nor the
     * request threads of one worker add to the same cache line.
     */
    private int stripe() {
        return stripeOffset(pid * 31 + Thread.currentThread().getId());
    }

    void countHit(long slot) {
        addToStripe(bytes, stripe(), STRIPE_HITS);
        // The slot may have been recycled for another key by a restart since we looked: then this
        // adds one hit to that key. Usage records are never in the arena, so no entry can be damaged.
        long usage = geometry.usageOf(slot);
        UsageLayout.addHit(bytes, usage);
        long now = clock.millis();
        long lastUsed = UsageLayout.lastUsed(bytes, usage);
        if (now - lastUsed >= LAST_USED_GRANULARITY_MILLIS || now < lastUsed) {
            UsageLayout.putLastUsedRelease(bytes, usage, now);
        }
    }

    void countMiss() {
        count(STRIPE_MISSES);
    }

    void countBlacklistMiss() {
        count(STRIPE_BLACKLIST_MISSES);
    }

    private void count(int stripeField) {
        addToStripe(bytes, stripe(), stripeField);
    }

    void countCompile() {
        addCompiles(bytes);
    }

    void countFileCache(FileCacheFigures change) {
        addFileCacheFigures(bytes, change);
    }

    /** §20: true (and the key's next check pushed {@code freqMillis} ahead) for one caller per period. */
    boolean claimRevalidation(CachedEntry entry, long freqMillis) {
        long slot = entry.slotOffset();
        long due = SlotLayout.revalidateAfterVolatile(bytes, slot);
        // 0: never validated since the store; like OPcache, the first check is due one period
        // after the compile, not on the first request.
        long dueAt = due == 0 ? entry.metadata().compiledAtMillis() + freqMillis : due;
        long now = clock.millis();
        if (now < dueAt || SlotLayout.refVolatile(bytes, slot) != entry.ref()) {
            return false;
        }
        return SlotLayout.casRevalidateAfter(bytes, slot, due, now + freqMillis);
    }

    /**
     * §18.3: asks for a restart at the next write; readers cannot take the lock, so this is how they
     * report damage. Only the process that sets the request logs it.
     */
    @Override
    public void request(RestartReason reason, String what) {
        if (casRestartPending(bytes, 0, reason.code())) {
            LOG.warn("segment {}: {}; restart scheduled (reason {})", file, what, reason);
        }
    }

    long clearStatCaches() {
        return addStatGeneration(bytes, 1);
    }

    void heartbeat() {
        putHeartbeatRelease(bytes, clock.millis());
    }
}
