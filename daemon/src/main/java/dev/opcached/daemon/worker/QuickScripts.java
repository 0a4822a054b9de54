package dev.opcached.daemon.worker;

import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The scripts whose last runs in this worker were all quick: only these may run on an event loop.
 * A script new to the worker, or one whose last run was slow (a sleep, a compile, a long loop),
 * runs on the request threads until it has been quick {@link #STREAK} times in a row, so that a
 * script that runs away is almost always on a request thread, where request_terminate_timeout can
 * still answer 504 for it while its worker is replaced.
 */
final class QuickScripts {
    /** Quick runs in a row before a script may run on an event loop. */
    static final int STREAK = 8;
    /** A run at least this long is slow. */
    static final long QUICK_NANOS = 10_000_000;
    /** Scripts remembered; beyond, the memory starts over (a bound, not a cache policy). */
    static final int MAX_SCRIPTS = 4096;

    private final ConcurrentHashMap<Path, Integer> streaks = new ConcurrentHashMap<>();
    private final int streak;

    QuickScripts() {
        this(STREAK);
    }

    /** @param streak quick runs in a row before a script may run on an event loop */
    QuickScripts(int streak) {
        this.streak = streak;
    }

    /** Whether {@code file}'s last runs here, as many as the streak, were all quick. */
    boolean quick(Path file) {
        Integer runs = streaks.get(file);
        return runs != null && runs >= streak;
    }

    /** {@code file} ran for {@code nanos} (its load and compile included). */
    void ran(Path file, long nanos) {
        if (nanos >= QUICK_NANOS) {
            streaks.remove(file);
            return;
        }
        Integer runs = streaks.get(file);
        if (runs != null && runs >= streak) {
            // The common case, on every request of a quick script: a read, no write.
            return;
        }
        if (runs == null && streaks.size() >= MAX_SCRIPTS) {
            streaks.clear();
        }
        streaks.merge(file, 1, (before, one) -> Math.min(before + 1, streak));
    }
}
