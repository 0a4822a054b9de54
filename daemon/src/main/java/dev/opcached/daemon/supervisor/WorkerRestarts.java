package dev.opcached.daemon.supervisor;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/** How many times the pool's workers were replaced, by cause (the metrics' {@code cause} label). */
final class WorkerRestarts {
    /** Why a worker was replaced. */
    enum Cause {
        /** It died (a signal, an exit code it was not asked for, an error it could not go on after). */
        CRASH,
        /** It reached pm.max_requests. */
        RECYCLE,
        /** A request ran past request_terminate_timeout. */
        TIMEOUT,
        /** It sent no heartbeat for opcached.worker_heartbeat_timeout. */
        UNRESPONSIVE,
        /** Its segment was lost and replaced. */
        SEGMENT_LOST,
        /** The docroot's vendor jars changed, which a running worker cannot take in. */
        VENDOR_JARS;

        /** The label value: the name in lower case. */
        String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The cause a worker's {@code retiring REASON} gives. */
        static Cause ofRetiring(String reason) {
            return switch (reason) {
                case "recycle" -> RECYCLE;
                case "request_terminate_timeout" -> TIMEOUT;
                case "vendor-jars-changed" -> VENDOR_JARS;
                default -> CRASH; // an Error it cannot go on after (OutOfMemoryError, InternalError...)
            };
        }
    }

    private final AtomicLongArray counts = new AtomicLongArray(Cause.values().length);

    void count(Cause cause) {
        counts.incrementAndGet(cause.ordinal());
    }

    long total() {
        long total = 0;
        for (int i = 0; i < counts.length(); i++) {
            total += counts.get(i);
        }
        return total;
    }

    /** Every cause with its count, 0 included. */
    Map<Cause, Long> byCause() {
        Map<Cause, Long> byCause = new EnumMap<>(Cause.class);
        for (Cause cause : Cause.values()) {
            byCause.put(cause, counts.get(cause.ordinal()));
        }
        return byCause;
    }
}
