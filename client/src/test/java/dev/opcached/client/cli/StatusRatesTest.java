package dev.opcached.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The rates a watch shows between two answers, and when it cannot tell them. */
class StatusRatesTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void requestsPerSecondAreHitsPlusMissesOverTheIntervalAndTheHitRateIsTheirs() {
        StatusRates rates = StatusRates.between(new StatusRates.Counters(10 * SECOND, 1000L, 100L),
                new StatusRates.Counters(12 * SECOND, 1030L, 110L));
        assertThat(rates.intervalSeconds()).isEqualTo(2.0);
        assertThat(rates.requestsPerSecond()).isEqualTo(20.0);
        assertThat(rates.hitRate()).isCloseTo(75.0, within(1e-9));
    }

    @Test
    void theFirstAnswerHasNothingToCompareWith() {
        assertThat(StatusRates.between(null, new StatusRates.Counters(SECOND, 5L, 5L))).isEqualTo(StatusRates.NONE);
    }

    @Test
    void anIntervalWithoutRequestsHasNoHitRate() {
        StatusRates rates = StatusRates.between(new StatusRates.Counters(0, 7L, 3L), new StatusRates.Counters(SECOND, 7L, 3L));
        assertThat(rates.requestsPerSecond()).isZero();
        assertThat(rates.hitRate()).isNull();
    }

    @Test
    void countersThatWentBackOrAreUnknownGiveNoRates() {
        // A pool restarted between the two answers: its counters began again.
        StatusRates restarted = StatusRates.between(new StatusRates.Counters(0, 500L, 50L),
                new StatusRates.Counters(SECOND, 3L, 1L));
        assertThat(restarted).isEqualTo(new StatusRates(1.0, null, null));
        StatusRates unknown = StatusRates.between(new StatusRates.Counters(0, null, 50L),
                new StatusRates.Counters(SECOND, 10L, 60L));
        assertThat(unknown).isEqualTo(new StatusRates(1.0, null, null));
    }
}
