package dev.opcached.protocol.segment;

/**
 * Wall-clock milliseconds since the epoch: comparable across processes, unlike
 * {@link System#nanoTime()}. Injected so that tests can move time instead of sleeping.
 */
@FunctionalInterface
public interface EpochClock {
    /** The system clock. */
    EpochClock SYSTEM = System::currentTimeMillis;

    /** Milliseconds since the epoch. */
    long millis();
}
