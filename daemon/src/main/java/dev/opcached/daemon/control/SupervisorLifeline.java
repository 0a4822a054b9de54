package dev.opcached.daemon.control;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.InputStream;
import org.slf4j.Logger;

/**
 * A child process's watch on its supervisor, which holds the child's stdin open and never writes
 * to it: end of input means the supervisor is gone, however it died, and the child halts.
 */
public final class SupervisorLifeline {
    private SupervisorLifeline() {
    }

    /** Starts the watch on a daemon thread; halts with {@code exitCode} when stdin closes. */
    public static void watch(Logger log, int exitCode) {
        new DefaultThreadFactory("supervisor-watch", true).newThread(() -> {
            try {
                InputStream in = System.in;
                while (in.read() >= 0) {
                    // nothing is ever sent
                }
            } catch (IOException ignored) {
                // same as end of input
            }
            log.warn("supervisor gone (stdin closed); exiting");
            Runtime.getRuntime().halt(exitCode);
        }).start();
    }
}
