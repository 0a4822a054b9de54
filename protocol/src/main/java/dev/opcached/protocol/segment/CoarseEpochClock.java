package dev.opcached.protocol.segment;

import dev.opcached.protocol.common.DaemonThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Epoch milliseconds read from a field that one daemon thread refreshes every
 * {@link #TICK_MILLIS} ms. A hit records its time on every request; reading this field is a
 * plain load, while {@link System#currentTimeMillis()} costs tens of nanoseconds on some virtual
 * machines, a large share of a {@link Segment#hitIfCurrent} check. Last-used times are reported
 * in seconds, so the tick loses nothing.
 */
public final class CoarseEpochClock implements EpochClock {
    /** How stale a reading may be. */
    public static final long TICK_MILLIS = 10;

    private static final CoarseEpochClock INSTANCE = new CoarseEpochClock();

    private volatile long now = System.currentTimeMillis();

    private CoarseEpochClock() {
        new DaemonThreadFactory("opcached-coarse-clock").newThread(() -> {
            while (true) {
                now = System.currentTimeMillis();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS));
            }
        }).start();
    }

    /** The process's one coarse clock (its thread starts on first use). */
    public static CoarseEpochClock instance() {
        return INSTANCE;
    }

    @Override
    public long millis() {
        return now;
    }
}
