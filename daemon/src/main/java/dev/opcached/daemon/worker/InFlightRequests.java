package dev.opcached.daemon.worker;

import dev.opcached.protocol.common.LogText;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The requests this worker has taken and not yet finished answering, watched for
 * request_terminate_timeout: the clock of a request starts when its script starts running, not
 * while it waits for a request thread or for its compile.
 */
final class InFlightRequests {
    private static final Logger LOG = LoggerFactory.getLogger(InFlightRequests.class);

    private final long timeoutNanos;
    private final LongSupplier nanoClock;
    private final Set<InFlight> requests = ConcurrentHashMap.newKeySet();

    /** @param timeoutSeconds request_terminate_timeout; 0 = none */
    InFlightRequests(long timeoutSeconds, LongSupplier nanoClock) {
        this.timeoutNanos = timeoutSeconds * 1_000_000_000L;
        this.nanoClock = nanoClock;
    }

    /** One request in flight; answered exactly once, by its script or by the timeout. */
    final class InFlight {
        private final String method;
        private final String uri;
        private final Consumer<InFlight> answerTimeout;
        private final AtomicBoolean answered = new AtomicBoolean();
        private volatile boolean running;
        private volatile long startedAt;

        private InFlight(String method, String uri, Consumer<InFlight> answerTimeout) {
            this.method = method;
            this.uri = uri;
            this.answerTimeout = answerTimeout;
        }

        /** Its script starts running now: the timeout clock starts. */
        void scriptStarted() {
            startedAt = nanoClock.getAsLong();
            running = true;
        }

        /** Claims the right to answer; false when the timeout already did. */
        boolean claimAnswer() {
            return answered.compareAndSet(false, true);
        }

        /** Its answer is written out (or its connection gone): a draining worker may now exit. */
        void finished() {
            requests.remove(this);
        }
    }

    /**
     * A request taken, as it came (escaped only if it is ever logged: most never are);
     * {@code answerTimeout} answers it 504 if its script runs too long, and calls
     * {@link InFlight#finished()} once that answer is written.
     */
    InFlight begin(String method, String uri, Consumer<InFlight> answerTimeout) {
        InFlight request = new InFlight(method, uri, answerTimeout);
        requests.add(request);
        return request;
    }

    /**
     * Answers 504 to every request whose script ran past the timeout; run by a watchdog. Returns
     * how many it answered: the worker must then be replaced (their threads cannot be stopped).
     */
    int checkTimeouts() {
        int timedOut = 0;
        if (timeoutNanos <= 0) {
            return timedOut;
        }
        long now = nanoClock.getAsLong();
        for (InFlight request : requests) {
            if (request.running && now - request.startedAt > timeoutNanos && request.claimAnswer()) {
                // Still in flight until its 504 is written: a drain waits for that answer (which a
                // script holding its event loop delays), not for the script's thread.
                LOG.error("{} {} ran past request_terminate_timeout ({} s);"
                        + " answering 504 and asking for this worker's replacement", request.method, LogText.escape(request.uri), timeoutNanos / 1_000_000_000L);
                request.answerTimeout.accept(request);
                timedOut++;
            }
        }
        return timedOut;
    }

    int count() {
        return requests.size();
    }
}
