package dev.opcached.daemon.compile;

import dev.opcached.daemon.runtime.CachePolicy;
import dev.opcached.daemon.runtime.ScriptSource;
import dev.opcached.protocol.segment.EpochClock;
import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.unit.Dependency;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last outcome of each file version (real path, mtime, size) that javac failed on or that the
 * segment may not hold, served again without javac: a failure for max(2 s, revalidate_freq), since
 * it may be another file's fault, fixed since; a unit the segment may not hold while the file and
 * its inputs keep their stamps and it still may not be cached (or for that long at least). Past
 * 1,024 paths the least recently used go.
 */
final class RememberedOutcomes {
    /** How long a failure is served again at least (a storm for a broken file costs one compile per period). */
    static final long MIN_FAILURE_MEMORY_MILLIS = 2_000;
    /** Paths remembered: enough for every broken or uncacheable file of a large docroot. */
    static final int MAX_PATHS = 1024;

    private record Remembered(SourceStamp stamp, FileOutcome outcome, long atNanos, List<Dependency> inputs) {
    }

    private final CachePolicy policy;
    private final EpochClock clock;
    private final long failureMemoryNanos;
    private final Map<String, Remembered> byPath = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Remembered> eldest) {
            return size() > MAX_PATHS;
        }
    };

    RememberedOutcomes(CachePolicy policy, EpochClock clock) {
        this.policy = policy;
        this.clock = clock;
        this.failureMemoryNanos = Math.max(MIN_FAILURE_MEMORY_MILLIS, policy.revalidateFreqMillis()) * 1_000_000;
    }

    /** Remembers {@code outcome} of this version of the file, compiled against {@code inputs}; returns it. */
    synchronized FileOutcome remember(Path path, SourceStamp stamp, List<Dependency> inputs, FileOutcome outcome) {
        byPath.put(path.toString(), new Remembered(stamp, outcome, System.nanoTime(), inputs));
        return outcome;
    }

    /** The remembered outcome of this version of the file while it may be served again, else null. */
    synchronized FileOutcome recall(Path path, SourceStamp stamp) {
        String key = path.toString();
        Remembered last = byPath.get(key);
        if (last == null) {
            return null;
        }
        boolean recent = System.nanoTime() - last.atNanos < failureMemoryNanos;
        boolean usable = last.stamp.equals(stamp) && (last.outcome.status() == FileOutcome.Status.FAILED ? recent
                : ScriptSource.unchanged(last.inputs) && (recent || policy.blacklist().matches(key)
                        || policy.notCacheable(stamp, clock.millis()) != null));
        if (!usable) {
            byPath.remove(key);
            return null;
        }
        return last.outcome;
    }
}
