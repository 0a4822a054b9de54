package dev.opcached.daemon.runtime;

import dev.opcached.protocol.segment.SourceStamp;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The compiles of this process by file version (real path, mtime, size): a compile in flight is
 * joined rather than repeated, and a finished one is remembered (a failure always, a success when
 * the caller asks) until the file's mtime or size changes. A failure is forgotten after a while
 * too: it may be another docroot file's fault, and that file may have been fixed since. One
 * version per path. Finished versions are bounded in paths, the least recently used forgotten
 * first; versions in flight are kept apart and never evicted (forgetting one would let a second
 * compile of it start): each has a thread compiling it, so they are bounded by this process's
 * threads, and each leaves when its compile ends.
 */
final class CompileMemo {
    /** A compile of one version: started by one caller, joined by the others. */
    static final class Version {
        private final SourceStamp stamp;
        private final CompletableFuture<CompiledScript> result = new CompletableFuture<>();
        private volatile long failedAtNanos;

        Version(SourceStamp stamp) {
            this.stamp = stamp;
        }

        CompletableFuture<CompiledScript> result() {
            return result;
        }

        void fail(Throwable failure) {
            failedAtNanos = System.nanoTime();
            result.completeExceptionally(failure);
        }

        private boolean failedSince(long nanos) {
            return result.isCompletedExceptionally() && System.nanoTime() - failedAtNanos < nanos;
        }

        private boolean usable(SourceStamp current, long failureNanos) {
            return stamp.equals(current) && (!result.isCompletedExceptionally() || failedSince(failureNanos));
        }
    }

    private final int maxPaths;
    private final long failureNanos;
    private final Map<String, Version> inFlight = new HashMap<>();
    private final Map<String, Version> finished;

    /** Remembers {@code maxPaths} paths, a failure for {@code failureMillis} at most. */
    CompileMemo(int maxPaths, long failureMillis) {
        this.maxPaths = maxPaths;
        this.failureNanos = failureMillis * 1_000_000;
        this.finished = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Version> eldest) {
                return size() > CompileMemo.this.maxPaths;
            }
        };
    }

    /**
     * The compile of this version already started or finished, or null after registering
     * {@code mine} as in flight; the caller then ends it with {@link #finished}.
     */
    synchronized Version joinOrStart(String path, SourceStamp stamp, Version mine) {
        Version running = inFlight.get(path);
        if (running != null && running.stamp.equals(stamp)) {
            return running;
        }
        Version known = finished.get(path);
        if (known != null && known.usable(stamp, failureNanos)) {
            return known;
        }
        finished.remove(path);
        inFlight.put(path, mine);
        return null;
    }

    /** The remembered outcome of this version when it is finished and failed, else null. */
    synchronized Version failed(String path, SourceStamp stamp) {
        Version known = finished.get(path);
        return known != null && known.stamp.equals(stamp) && known.failedSince(failureNanos) ? known : null;
    }

    /**
     * Ends a compile started by {@link #joinOrStart}, its result already set: remembered when
     * {@code remember} unless a newer version of the path started meanwhile, else forgotten.
     */
    synchronized void finished(String path, Version version, boolean remember) {
        if (inFlight.remove(path, version) && remember) {
            finished.put(path, version);
        }
    }
}
