package dev.opcached.daemon.worker;

import dev.opcached.daemon.control.DurationHistogram;
import dev.opcached.daemon.control.ProcessFigures;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the requests this worker answered and how long each took (its figures for the
 * supervisor), and says when pm.max_requests is reached.
 */
final class ServedRequests {
    private static final Logger LOG = LoggerFactory.getLogger(ServedRequests.class);

    private final long maxRequests;
    private final AtomicLong served = new AtomicLong();
    private final DurationHistogram durations = new DurationHistogram(DurationHistogram.REQUEST_SECONDS);

    /** @param maxRequests pm.max_requests; 0 = never recycle */
    ServedRequests(long maxRequests) {
        this.maxRequests = maxRequests;
    }

    /**
     * Counts one answer, written {@code nanos} after its request was read; true for the one that
     * reaches pm.max_requests: the worker is to be recycled.
     */
    boolean served(long nanos) {
        durations.observe(nanos);
        long count = served.incrementAndGet();
        if (maxRequests > 0 && count == maxRequests) {
            LOG.info("served {} requests (pm.max_requests); recycling", count);
            return true;
        }
        return false;
    }

    long count() {
        return served.get();
    }

    /** What the supervisor exports of this worker: {@code requests} and {@code request_duration}. */
    ProcessFigures figures() {
        return new ProcessFigures(Map.of("requests", served.get()), Map.of("request_duration", durations.snapshot()));
    }
}
