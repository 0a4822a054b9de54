package dev.opcached.daemon.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** request_terminate_timeout counts a script's run, not the wait for a thread or a compile. */
class InFlightRequestsTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void theClockStartsWhenTheScriptStarts() {
        long[] now = {0};
        InFlightRequests requests = new InFlightRequests(2, () -> now[0]);
        AtomicInteger answered504 = new AtomicInteger();
        InFlightRequests.InFlight queued = requests.begin("GET /queued.java", answered504::incrementAndGet);
        now[0] += 10 * SECOND;
        assertThat(requests.checkTimeouts()).as("still waiting for a thread or its compile").isZero();
        queued.scriptStarted();
        now[0] += SECOND;
        assertThat(requests.checkTimeouts()).isZero();
        now[0] += 2 * SECOND;
        assertThat(requests.checkTimeouts()).isEqualTo(1);
        assertThat(answered504).hasValue(1);
        assertThat(queued.claimAnswer()).as("the script's own answer comes too late").isFalse();
        assertThat(requests.count()).isZero();
    }

    @Test
    void onlyTheRunawayIsAnswered504() {
        long[] now = {0};
        InFlightRequests requests = new InFlightRequests(2, () -> now[0]);
        AtomicInteger answered504 = new AtomicInteger();
        InFlightRequests.InFlight runaway = requests.begin("GET /runaway.java", answered504::incrementAndGet);
        runaway.scriptStarted();
        now[0] += SECOND;
        InFlightRequests.InFlight quick = requests.begin("GET /quick.java", answered504::incrementAndGet);
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
        requests.begin("GET /long.java", () -> { }).scriptStarted();
        now[0] += 86_400 * SECOND;
        assertThat(requests.checkTimeouts()).isZero();
        assertThat(requests.count()).isEqualTo(1);
    }
}
