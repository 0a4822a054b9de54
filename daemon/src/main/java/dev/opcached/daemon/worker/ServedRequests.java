package dev.opcached.daemon.worker;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Counts the requests this worker answered, and says when pm.max_requests is reached. */
final class ServedRequests {
    private static final Logger LOG = LoggerFactory.getLogger(ServedRequests.class);

    private final long maxRequests;
    private final AtomicLong served = new AtomicLong();

    /** @param maxRequests pm.max_requests; 0 = never recycle */
    ServedRequests(long maxRequests) {
        this.maxRequests = maxRequests;
    }

    /** Counts one answer; true for the one that reaches pm.max_requests: the worker is to be recycled. */
    boolean served() {
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
}
