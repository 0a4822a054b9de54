package dev.opcached.client.cli;

/**
 * What a pool did between two refreshes of a watch: requests per second (hits plus misses) and
 * the hit rate of those requests alone, where {@code status} shows the rate since the start. Each
 * is null when it cannot be told: on the first refresh, when a counter is unknown, when the
 * counters went back (the pool was restarted, its segment replaced), and the hit rate of an
 * interval without any request.
 *
 * @param intervalSeconds   the time between the two answers; null on the first
 * @param requestsPerSecond cache lookups per second over that time
 * @param hitRate           the hits among them, in percent
 */
record StatusRates(Double intervalSeconds, Double requestsPerSecond, Double hitRate) {
    /** Before a second answer: nothing to compare with. */
    static final StatusRates NONE = new StatusRates(null, null, null);

    /**
     * A pool's counters at the time of one answer.
     *
     * @param nanos a monotonic time ({@link System#nanoTime()}) of the answer
     */
    record Counters(long nanos, Long hits, Long misses) {
    }

    /** The rates from {@code previous} (null: none yet) to {@code current}. */
    static StatusRates between(Counters previous, Counters current) {
        if (previous == null || current.nanos() - previous.nanos() <= 0) {
            return NONE;
        }
        double seconds = (current.nanos() - previous.nanos()) / 1e9;
        if (previous.hits() == null || previous.misses() == null || current.hits() == null || current.misses() == null) {
            return new StatusRates(seconds, null, null);
        }
        long hits = current.hits() - previous.hits();
        long misses = current.misses() - previous.misses();
        if (hits < 0 || misses < 0) {
            return new StatusRates(seconds, null, null);
        }
        long requests = hits + misses;
        return new StatusRates(seconds, requests / seconds, requests == 0 ? null : 100.0 * hits / requests);
    }
}
