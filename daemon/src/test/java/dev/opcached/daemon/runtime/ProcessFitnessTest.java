package dev.opcached.daemon.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which errors retire a worker, wherever they surface. */
class ProcessFitnessTest {
    @Test
    void virtualMachineErrorsButAStackOverflowLeaveTheProcessUnfit() {
        assertThat(ProcessFitness.unfitAfter(new OutOfMemoryError())).isTrue();
        assertThat(ProcessFitness.unfitAfter(new InternalError())).isTrue();
        assertThat(ProcessFitness.unfitAfter(new StackOverflowError())).isFalse();
        assertThat(ProcessFitness.unfitAfter(new LinkageError())).isFalse();
        assertThat(ProcessFitness.unfitAfter(new IllegalStateException())).isFalse();
    }

    @Test
    void aFaultOnALostSegmentsMappingLeavesTheProcessFit() {
        assertThat(ProcessFitness.unfitAfter(new InternalError(
                "a fault occurred in a recent unsafe memory access operation in compiled Java code"))).isFalse();
    }
}
