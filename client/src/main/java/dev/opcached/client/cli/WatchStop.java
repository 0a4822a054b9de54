package dev.opcached.client.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * How a watch is told to stop: Ctrl-C (SIGINT) in the real command, a test's own call otherwise.
 * A stop wakes the watch from its wait between refreshes and interrupts a call in flight, so that
 * it ends at once, whatever a pool is doing; a watch that was stopped exits 0, as top does.
 */
final class WatchStop {
    private static final Signal INTERRUPT = new Signal("INT");

    private final boolean onCtrlC;
    private final CountDownLatch requested = new CountDownLatch(1);
    private Thread watcher;
    private SignalHandler previous;

    private WatchStop(boolean onCtrlC) {
        this.onCtrlC = onCtrlC;
    }

    /** Stops on Ctrl-C, once a watch has begun (other commands keep the JVM's own Ctrl-C). */
    static WatchStop onCtrlC() {
        return new WatchStop(true);
    }

    /** Stops only when {@link #request()} is called: for a watch inside a test. */
    static WatchStop byCall() {
        return new WatchStop(false);
    }

    /** The watch begins on {@code thread}: from now on a stop interrupts it. */
    synchronized void begin(Thread thread) {
        watcher = thread;
        if (onCtrlC) {
            try {
                previous = Signal.handle(INTERRUPT, signal -> request());
            } catch (IllegalArgumentException reserved) {
                // A JVM that keeps SIGINT to itself (-Xrs): Ctrl-C ends the watch the JVM's way, exit 130.
            }
        }
    }

    /** The watch has ended: a late stop no longer interrupts its thread, which keeps no interrupt of ours. */
    synchronized void end() {
        watcher = null;
        Thread.interrupted();
        if (previous != null) {
            Signal.handle(INTERRUPT, previous);
            previous = null;
        }
    }

    /** Stops the watch (Ctrl-C's handler calls this). */
    synchronized void request() {
        requested.countDown();
        if (watcher != null) {
            watcher.interrupt();
        }
    }

    boolean requested() {
        return requested.getCount() == 0;
    }

    /** Waits for {@code time}, or less if the watch is stopped meanwhile; returns whether it is. */
    boolean await(Duration time) {
        try {
            return requested.await(time.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            return true; // only a stop interrupts the watch's thread
        }
    }
}
