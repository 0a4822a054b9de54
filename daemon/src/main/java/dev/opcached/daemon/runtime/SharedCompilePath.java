package dev.opcached.daemon.runtime;

import dev.opcached.protocol.common.LogText;
import dev.opcached.protocol.segment.CachedEntry;
import dev.opcached.protocol.segment.ClassFile;
import dev.opcached.protocol.segment.ClassFilePayload;
import dev.opcached.protocol.segment.CompileClaim;
import dev.opcached.protocol.segment.EntryMetadata;
import dev.opcached.protocol.segment.EpochClock;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentKey;
import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.segment.StoreOutcome;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool-wide part of the compile path, through the segment: whether a loaded version is still
 * current (timestamp revalidation, once per period for the pool), copying another process's
 * bytecode out of the segment, and on a miss compiling once for the pool (compile markers) and
 * storing the result. Files the policy keeps out of the segment are compiled here too, once per
 * version.
 */
final class SharedCompilePath {
    private static final Logger LOG = LoggerFactory.getLogger(SharedCompilePath.class);

    /** One version of a script's classes, and its segment entry (null: not cached). */
    record Version(CachedEntry entry, List<ClassFile> classes) {
    }

    private final Segment segment;
    private final ScriptSource source;
    private final CachePolicy policy;
    private final EpochClock clock;
    private final BoundedCompiler compiler;

    SharedCompilePath(Segment segment, ScriptSource source, CachePolicy policy, EpochClock clock,
                      BoundedCompiler compiler) {
        this.segment = segment;
        this.source = source;
        this.policy = policy;
        this.clock = clock;
        this.compiler = compiler;
    }

    /**
     * Whether the version this process runs is still the one to run. A change on disk invalidates
     * it for the pool; a file that is no longer a regular file at its real path in the docroot (a
     * link swapped in, say) is not found.
     */
    boolean stillCurrent(CachedEntry entry, SegmentKey key, Path realPath) throws ScriptException {
        if (!segment.hitIfCurrent(entry)) {
            return false;
        }
        if (!policy.validateTimestamps()) {
            return true;
        }
        // With revalidate_freq 0 every use stats, as OPcache does, without the pool-wide claim:
        // a compare-and-swap per request on a shared line costs more than the stat.
        if (policy.revalidateFreqMillis() > 0 && !segment.claimRevalidation(entry, policy.revalidateFreqMillis())) {
            return true;
        }
        SourceStamp stamp = ScriptSource.stamp(realPath);
        if (stamp != null && stamp.matches(entry.metadata())) {
            return true;
        }
        try {
            source.contained(realPath);
        } catch (ScriptException notOurs) {
            if (segment.invalidate(key, true)) {
                LOG.info("{} is no longer a regular file at that real path; invalidated", LogText.escape(realPath));
            }
            throw notOurs;
        }
        // Changed on disk: drop it for the whole pool; the caller recompiles.
        if (segment.invalidate(key, false)) {
            LOG.info("{} changed on disk; invalidated", LogText.escape(realPath));
        }
        return false;
    }

    /** The current version of a script: the segment's, else a new compile (stored when it may be). */
    Version load(Path realPath, SegmentKey key) throws ScriptException {
        for (int attempt = 0; attempt < 3; attempt++) {
            CachedEntry entry = segment.lookup(key);
            if (entry != null) {
                byte[] payload = entry.copyPayload();
                if (payload != null) {
                    return new Version(entry, ClassFilePayload.decode(payload));
                }
                continue;
            }
            SourceStamp stamp = source.contained(realPath);
            String notCacheable = notCacheable(realPath, stamp);
            if (notCacheable != null) {
                LOG.debug("{} not cached: {}", LogText.escape(realPath), notCacheable);
                return new Version(null, compiler.compile(realPath, stamp, true).classes());
            }
            Version compiled = compileForPool(realPath, key, stamp);
            if (compiled != null) {
                return compiled;
            }
        }
        throw new ScriptException(realPath + ": the cache kept changing under this worker; try again", List.of());
    }

    /**
     * opcache_compile_file: puts the script's current version into the segment unless it is there,
     * keeping nothing in this process.
     */
    CompileOutcome compileIntoCache(Path realPath, SegmentKey key) throws ScriptException {
        for (int attempt = 0; attempt < 3; attempt++) {
            if (segment.peek(key) != null) {
                return CompileOutcome.CACHED;
            }
            SourceStamp stamp = source.contained(realPath);
            if (notCacheable(realPath, stamp) != null) {
                compiler.compile(realPath, stamp, false);
                return CompileOutcome.NOT_CACHED;
            }
            Version compiled = compileForPool(realPath, key, stamp);
            if (compiled != null) {
                return CompileOutcome.NOT_CACHED;
            }
        }
        throw new ScriptException(realPath + ": the cache kept changing under this process; try again", List.of());
    }

    /**
     * Compiles a missed key once for the pool and stores it. Returns null when the segment now
     * holds it (stored here or by another process: look it up), else the version compiled here
     * that the segment would not take.
     */
    private Version compileForPool(Path realPath, SegmentKey key, SourceStamp stamp) throws ScriptException {
        // A version known not to compile claims no marker and runs no javac: the same 500 again.
        compiler.throwIfFailed(realPath, stamp);
        CompileClaim claim = segment.awaitCompile(key, policy.compileTimeoutMillis(), policy.compileTimeoutMillis());
        if (claim.kind() == CompileClaim.Kind.CACHED) {
            return null;
        }
        boolean markerHeld = claim.kind() == CompileClaim.Kind.OWNER;
        try {
            CompiledScript compilation = compiler.compile(realPath, stamp, false);
            EntryMetadata metadata = new EntryMetadata(stamp.mtimeMillis(), stamp.size(), compilation.contentHash(),
                    clock.millis(), compilation.micros());
            StoreOutcome outcome = segment.store(key, metadata, ClassFilePayload.encode(compilation.classes()));
            if (outcome == StoreOutcome.STORED) {
                markerHeld = false; // the store cleared it
                return null;
            }
            LOG.warn("{} compiled but not cached: {}", LogText.escape(realPath), outcome);
            return new Version(null, compilation.classes());
        } finally {
            // Every way out but a store (a compile error, an Error, a full cache) lets waiters go.
            if (markerHeld) {
                segment.abandonCompile(key);
            }
        }
    }

    private String notCacheable(Path realPath, SourceStamp stamp) {
        if (policy.blacklist().matches(realPath.toString())) {
            segment.countBlacklistMiss();
            return "blacklisted";
        }
        return policy.notCacheable(stamp, clock.millis());
    }
}
