package dev.opcached.daemon.compile;

import dev.opcached.daemon.runtime.CachePolicy;
import dev.opcached.daemon.runtime.ScriptException;
import dev.opcached.daemon.runtime.ScriptSource;
import dev.opcached.protocol.segment.CachedEntry;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentKey;
import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.unit.CompileUnit;
import dev.opcached.protocol.unit.Dependency;
import java.nio.file.Path;

/**
 * Checks a worker's claim that a segment entry is unusable before the pool's writer drops it for
 * the worker. Anything a worker runs can send any ref over the compiler channel, so the claim is
 * checked against the segment and the disk: dropping a sound entry would, with
 * opcache.validate_timestamps=0, pull a file that changed on disk but was not reset yet (half a
 * deploy still copying) into the pool.
 */
final class EntryUsability {
    private final Segment segment;
    private final ScriptSource source;
    private final CachePolicy policy;

    EntryUsability(Segment segment, ScriptSource source, CachePolicy policy) {
        this.segment = segment;
        this.source = source;
        this.policy = policy;
    }

    /**
     * Why {@code entry}, the entry of {@code realPath}, cannot be run as it is, or null when it can.
     * Unusable: its payload is not a compile unit; it links against a source version the segment
     * no longer holds (what a worker's link finds stale); or, only when timestamps are validated
     * (otherwise the disk is not the pool's business until a reset), its file is no longer a regular
     * file at that real path in the docroot, or it or one of its inputs changed on disk.
     */
    String unusable(Path realPath, CachedEntry entry) {
        CompileUnit unit = LocalPoolCompiler.unitOf(entry);
        if (unit == null) {
            return "its payload is not a compile unit";
        }
        for (Dependency dependency : unit.sources()) {
            CachedEntry held = segment.peek(SegmentKey.of(dependency.path()));
            CompileUnit heldUnit = held == null ? null : LocalPoolCompiler.unitOf(held);
            if (heldUnit == null || !heldUnit.unitKey().equals(dependency.unitKey())) {
                return "it was compiled against a version of " + dependency.path() + " that the cache no longer holds";
            }
        }
        if (!policy.validateTimestamps()) {
            return null;
        }
        SourceStamp stamp;
        try {
            stamp = source.contained(realPath);
        } catch (ScriptException notOurs) {
            return notOurs.getMessage();
        }
        if (!stamp.matches(entry.metadata())) {
            return "it changed on disk";
        }
        for (Dependency input : unit.dependencies()) {
            if (!ScriptSource.unchanged(input)) {
                return "its input " + input.path() + " changed on disk";
            }
        }
        return null;
    }
}
