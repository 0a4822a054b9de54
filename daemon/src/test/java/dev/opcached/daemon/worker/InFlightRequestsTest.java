package dev.opcached.daemon.worker;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** request_terminate_timeout counts a script's run, not the wait for a thread or a compile. */
class InFlightRequestsTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void theClockStartsWhenTheScriptStarts() {
        long[] now = {0};
        InFlightRequests requests = new InFlightRequests(2, () -> now[0]);
        AtomicInteger answered504 = new AtomicInteger();
        InFlightRequests.InFlight queued = requests.begin("GET", "/queued.java", timedOut -> answered504.incrementAndGet());
        now[0] += 10 * SECOND;
        assertThat(requests.checkTimeouts()).as("still waiting for a thread or its compile").isZero();
        queued.scriptStarted();
        now[0] += SECOND;
        assertThat(requests.checkTimeouts()).isZero();
        now[0] += 2 * SECOND;
        assertThat(requests.checkTimeouts()).isEqualTo(1);
        assertThat(answered504).hasValue(1);
        assertThat(queued.claimAnswer()).as("the script's own answer comes too late").isFalse();
        assertThat(requests.count()).as("in flight until its 504 is written").isOne();
        queued.finished();
        assertThat(requests.count()).isZero();
    }

    @Test
    void onlyTheRunawayIsAnswered504() {
        long[] now = {0};
        InFlightRequests requests = new InFlightRequests(2, () -> now[0]);
        AtomicInteger answered504 = new AtomicInteger();
        InFlightRequests.InFlight runaway = requests.begin("GET", "/runaway.java", timedOut -> {
            answered504.incrementAndGet();
            timedOut.finished();
        });
        runaway.scriptStarted();
        now[0] += SECOND;
        InFlightRequests.InFlight quick = requests.begin("GET", "/quick.java", timedOut -> answered504.incrementAndGet());
        quick.scriptStarted();
        now[0] += 2 * SECOND;
        assertThat(requests.checkTimeouts()).isEqualTo(1);
        assertThat(quick.claimAnswer()).isTrue();
        quick.finished();
        assertThat(requests.count()).isZero();
        assertThat(answered504).hasValue(1);
    }

    @Test
    void noTimeoutWhenNoneIsSet() {
        long[] now = {0};
        InFlightRequests requests = new InFlightRequests(0, () -> now[0]);
        requests.begin("GET", "/long.java", timedOut -> { }).scriptStarted();
        now[0] += 86_400 * SECOND;
        assertThat(requests.checkTimeouts()).isZero();
        assertThat(requests.count()).isEqualTo(1);
    }

    @Test
    void theTimeoutLineEscapesTheRequestItWasGivenRaw() {
        Logger log = (Logger) LoggerFactory.getLogger(InFlightRequests.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        log.addAppender(lines);
        try {
            long[] now = {0};
            InFlightRequests requests = new InFlightRequests(1, () -> now[0]);
            requests.begin("GET", "/forged.java?x=\nFAKE line", timedOut -> { }).scriptStarted();
            now[0] += 2 * SECOND;
            assertThat(requests.checkTimeouts()).isEqualTo(1);
        } finally {
            log.detachAppender(lines);
        }
        assertThat(lines.list).singleElement().extracting(ILoggingEvent::getFormattedMessage).asString()
                .startsWith("GET /forged.java?x=\\nFAKE line ran past").doesNotContain("\n");
    }
}
