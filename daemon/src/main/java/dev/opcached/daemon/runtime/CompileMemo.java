package dev.opcached.daemon.runtime;

import dev.opcached.protocol.segment.SourceStamp;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The compiles of this process by file version (real path, mtime, size): a compile in flight is
 * joined rather than repeated, and a finished one is remembered (a failure always, a success when
 * the caller asks) until the file's mtime or size changes. One version per path; bounded in paths,
 * the least recently used forgotten first.
 */
final class CompileMemo {
    /** A compile of one version: started by one caller, joined by the others. */
    record Version(SourceStamp stamp, CompletableFuture<CompiledScript> result) {
    }

    private final int maxPaths;
    private final Map<String, Version> versions;

    CompileMemo(int maxPaths) {
        this.maxPaths = maxPaths;
        this.versions = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Version> eldest) {
                return size() > CompileMemo.this.maxPaths;
            }
        };
    }

    /** The compile of this version already started or finished, or null after registering {@code mine}. */
    synchronized Version joinOrStart(String path, SourceStamp stamp, Version mine) {
        Version known = versions.get(path);
        if (known != null && known.stamp().equals(stamp)) {
            return known;
        }
        versions.put(path, mine);
        return null;
    }

    /** The remembered outcome of this version when it is finished and failed, else null. */
    synchronized Version failed(String path, SourceStamp stamp) {
        Version known = versions.get(path);
        return known != null && known.stamp().equals(stamp) && known.result().isCompletedExceptionally() ? known : null;
    }

    /** Forgets a version (a success that need not be kept, or a failure not worth remembering). */
    synchronized void forget(String path, Version version) {
        versions.remove(path, version);
    }

    synchronized int size() {
        return versions.size();
    }
}
