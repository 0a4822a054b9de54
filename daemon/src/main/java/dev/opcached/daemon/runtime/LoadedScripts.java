package dev.opcached.daemon.runtime;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The scripts this process has loaded, by real path, and the locks that make one thread at a time
 * load each path. The locks are striped (a fixed array, hashed by path), so that none is made per
 * path and none outlives its use.
 */
final class LoadedScripts {
    private static final int STRIPES = 64;

    private final Map<String, ScriptRuntime.Loaded> byPath = new ConcurrentHashMap<>();
    private final Object[] stripes = new Object[STRIPES];

    LoadedScripts() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Object();
        }
    }

    ScriptRuntime.Loaded get(String path) {
        return byPath.get(path);
    }

    void put(String path, ScriptRuntime.Loaded script) {
        byPath.put(path, script);
    }

    void remove(String path, ScriptRuntime.Loaded script) {
        byPath.remove(path, script);
    }

    /** The lock under which {@code path} is loaded: held while it is looked up, compiled, stored. */
    Object lockFor(String path) {
        return stripes[(path.hashCode() & 0x7fffffff) % STRIPES];
    }

    void clear() {
        byPath.clear();
    }
}
