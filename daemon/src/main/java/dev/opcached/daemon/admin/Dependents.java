package dev.opcached.daemon.admin;

import dev.opcached.daemon.runtime.ScriptSource;
import dev.opcached.protocol.segment.CachedEntry;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentKey;
import dev.opcached.protocol.segment.ScriptStatistics;
import dev.opcached.protocol.unit.CompileUnit;
import dev.opcached.protocol.unit.CompileUnitCodec;
import dev.opcached.protocol.unit.Dependency;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The other half of opcache_invalidate() for shared code: the cached scripts compiled against an
 * invalidated file go too, since they were compiled against the version that was dropped. One pass
 * over the segment's entries is enough: each records its whole dependency closure.
 */
final class Dependents {
    private Dependents() {
    }

    /**
     * Invalidates every cached script compiled against a file that {@code invalidatedFile} accepts:
     * with {@code force} always, else only when that file changed since (OPcache's rule for the
     * file itself, applied to what the dependent recorded of it).
     *
     * @return the real paths of the scripts invalidated
     */
    static List<String> invalidate(Segment segment, Predicate<String> invalidatedFile, boolean force) {
        List<String> invalidated = new ArrayList<>();
        for (ScriptStatistics script : segment.scripts()) {
            SegmentKey key = SegmentKey.of(script.fullPath());
            CachedEntry entry = segment.peek(key);
            byte[] payload = entry == null ? null : entry.copyPayload();
            if (payload == null) {
                continue;
            }
            CompileUnit unit;
            try {
                unit = CompileUnitCodec.decode(payload);
            } catch (IllegalArgumentException damaged) {
                continue;
            }
            for (Dependency dependency : unit.dependencies()) {
                if (invalidatedFile.test(dependency.path()) && (force || !ScriptSource.unchanged(dependency))
                        && segment.invalidate(entry)) {
                    invalidated.add(script.fullPath());
                    break;
                }
            }
        }
        return invalidated;
    }
}
