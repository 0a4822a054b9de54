package dev.opcached.daemon.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/** Waits on a condition a test can observe, with a deadline, instead of sleeping and hoping. */
public final class Conditions {
    /** What a wait allows unless told otherwise: generous, for a loaded machine. */
    public static final Duration DEADLINE = Duration.ofSeconds(60);

    private Conditions() {
    }

    /** Waits until {@code value} is at least {@code atLeast}; fails at {@link #DEADLINE} saying what it was. */
    public static void await(String what, LongSupplier value, long atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (value.getAsLong() < atLeast) {
            assertThat(System.nanoTime() - deadline).as("within %s: %s reaches %d (is %d)", DEADLINE, what, atLeast,
                    value.getAsLong()).isNegative();
            Thread.sleep(20);
        }
    }

    /** Waits until {@code condition} holds; fails at {@link #DEADLINE} saying what it waited for. */
    public static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("within %s: %s", DEADLINE, what).isNegative();
            Thread.sleep(10);
        }
    }
}
