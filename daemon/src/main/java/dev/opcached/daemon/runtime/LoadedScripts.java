package dev.opcached.daemon.runtime;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The scripts this process has loaded, by real path, and a lock per path that makes one thread at
 * a time load it. A path's lock exists only while some thread loads that path or waits to: loads
 * of other paths never wait for it (a load may compile, or wait for another process's compile, for
 * up to opcached.compile_timeout), and no lock outlives its use.
 */
final class LoadedScripts {
    /** Work done while holding a path's load lock. */
    @FunctionalInterface
    interface Load<T> {
        T run() throws ScriptException;
    }

    /** A path's load lock and how many threads hold it or wait for it (changed only inside compute). */
    private static final class PathLock {
        private final ReentrantLock lock = new ReentrantLock();
        private int users;
    }

    private final Map<String, ScriptRuntime.Loaded> byPath = new ConcurrentHashMap<>();
    private final Map<String, PathLock> loading = new ConcurrentHashMap<>();

    ScriptRuntime.Loaded get(String path) {
        return byPath.get(path);
    }

    void put(String path, ScriptRuntime.Loaded script) {
        byPath.put(path, script);
    }

    void remove(String path, ScriptRuntime.Loaded script) {
        byPath.remove(path, script);
    }

    /** Runs {@code load} holding {@code path}'s lock: the only load of that path in this process meanwhile. */
    <T> T whileLoading(String path, Load<T> load) throws ScriptException {
        PathLock pathLock = loading.compute(path, (key, known) -> {
            PathLock lock = known == null ? new PathLock() : known;
            lock.users++;
            return lock;
        });
        try {
            pathLock.lock.lock();
            try {
                return load.run();
            } finally {
                pathLock.lock.unlock();
            }
        } finally {
            loading.computeIfPresent(path, (key, lock) -> --lock.users == 0 ? null : lock);
        }
    }

    /** How many paths have a load lock now (one is being loaded or waited for). */
    int pathsLoading() {
        return loading.size();
    }
}
