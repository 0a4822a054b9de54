package dev.opcached.protocol.testing;

import java.io.IOException;
import java.io.InputStream;

/** What every child JVM main does first: exit when its parent (the test JVM) goes away. */
public final class ChildMain {
    private ChildMain() {
    }

    /**
     * Starts a daemon thread that reads stdin to its end, then runs {@code onEof}: the parent
     * closed it, or died. With {@code onEof} null the child exits at once with status 3.
     */
    public static void watchParent(Runnable onEof) {
        Thread watcher = new Thread(() -> {
            try {
                InputStream in = System.in;
                while (in.read() >= 0) {
                    // discard
                }
            } catch (IOException ignored) {
                // same as EOF
            }
            if (onEof != null) {
                onEof.run();
            } else {
                Runtime.getRuntime().halt(3);
            }
        }, "parent-watch");
        watcher.setDaemon(true);
        watcher.start();
    }
}
