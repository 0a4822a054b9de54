package dev.opcached.daemon.runtime;

import dev.opcached.daemon.compile.CompilerUnavailableException;
import dev.opcached.daemon.compile.FileOutcome;
import dev.opcached.daemon.compile.PoolCompiler;
import dev.opcached.protocol.common.LogText;
import dev.opcached.protocol.segment.CachedEntry;
import dev.opcached.protocol.segment.CoarseEpochClock;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentKey;
import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.unit.CompileUnit;
import dev.opcached.protocol.unit.CompileUnitCodec;
import dev.opcached.protocol.unit.Dependency;
import dev.opcached.protocol.unit.Sha256;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool-wide part of the compile path, through the segment: whether a loaded unit is still
 * current (timestamp revalidation of its file and of every input it was compiled against, once
 * per period for the pool), copying a unit out of the segment, and on a miss asking the pool's
 * compiler to put it there.
 */
final class SharedCompilePath {
    private static final Logger LOG = LoggerFactory.getLogger(SharedCompilePath.class);
    /** A worker's own check of a version is due after this many revalidation periods without one... */
    private static final int OWN_CHECK_PERIODS = 4;
    /** ...and never sooner than this. */
    private static final long MIN_OWN_CHECK_MILLIS = 10_000;
    /** How long a worker waits for the compiler to take an unusable entry out; it never runs it meanwhile. */
    private static final long DISCARD_DEADLINE_MILLIS = 2_000;
    /** Bound on {@link #unusable}: refs include the generation, so old ones never match again anyway. */
    private static final int MAX_UNUSABLE = 1_024;

    /**
     * One version of a script: its unit, its segment entry (null: not cached) and, for a unit the
     * segment does not hold, the units of its dependencies that came with it, by unit key.
     */
    record Version(CachedEntry entry, CompileUnit unit, Map<Sha256, CompileUnit> supplied) {
    }

    private final Segment segment;
    private final ScriptSource source;
    private final CachePolicy policy;
    private final PoolCompiler compiler;
    /** Keys whose recompile runs in the background, each once at a time. */
    private final Set<SegmentKey> recompiling = ConcurrentHashMap.newKeySet();
    /**
     * Entries this worker found unusable (path and ref), whether or not the compiler could take
     * them out: never run again by this process, also while the compiler is unreachable.
     */
    private final Set<String> unusable = ConcurrentHashMap.newKeySet();
    private ExecutorService background;

    SharedCompilePath(Segment segment, ScriptSource source, CachePolicy policy, PoolCompiler compiler) {
        this.segment = segment;
        this.source = source;
        this.policy = policy;
        this.compiler = compiler;
    }

    /**
     * Whether the unit this process runs is still the one to run. A change on disk of its file, or
     * of any docroot source or jar it was compiled against, has the pool's compiler compile it again
     * ({@link #recompile}); the new unit replaces the old one for the pool when it is stored, so
     * that other requests run the old one meanwhile rather than wait, and a version that no longer
     * compiles takes the old one out. A file that is no longer a regular file
     * at its real path in the docroot (a link swapped in, say) is not found.
     */
    boolean stillCurrent(ScriptRuntime.Loaded loaded, Path realPath) throws ScriptException {
        CachedEntry entry = loaded.entry();
        if (!segment.hitIfCurrent(entry)) {
            return false;
        }
        if (!policy.validateTimestamps()) {
            return true;
        }
        // With revalidate_freq 0 every use stats, as OPcache does, without the pool-wide claim:
        // a compare-and-swap per request on a shared line costs more than the stat.
        long freq = policy.revalidateFreqMillis();
        if (freq > 0) {
            long now = CoarseEpochClock.instance().millis();
            long checkedAt = loaded.checkedAtMillis();
            if (checkedAt == 0) {
                // Just loaded, as current as the segment says: the period of its own checks starts now.
                loaded.checked(now);
                checkedAt = now;
            }
            // The claim lives in the activity file, which a script can write: a worker that has
            // not checked this version itself for a while does so whatever the claim says.
            if (!segment.claimRevalidation(entry, freq) && now - checkedAt < ownCheckPeriod(freq)) {
                return true;
            }
            loaded.checked(now);
        }
        SourceStamp stamp = ScriptSource.stamp(realPath);
        if (stamp != null && stamp.matches(entry.metadata())) {
            Dependency changed = changedInput(loaded.unit());
            if (changed == null) {
                return true;
            }
            LOG.info("{} was compiled against {}, which changed on disk; compiling it again",
                    LogText.escape(realPath), LogText.escape(changed.path()));
            return recompile(entry, realPath);
        }
        try {
            source.contained(realPath);
        } catch (ScriptException notOurs) {
            if (discard(entry, realPath)) {
                LOG.info("{} is no longer a regular file at that real path; invalidated", LogText.escape(realPath));
            }
            throw notOurs;
        }
        LOG.info("{} changed on disk; compiling it again", LogText.escape(realPath));
        return recompile(entry, realPath);
    }

    /**
     * Has the pool's compiler replace {@code entry}. With revalidate_freq 0 (every use checks, as
     * while developing) this request waits for it and loads the new version (false). Otherwise the
     * compile runs in the background and this request, and those until it is stored, run the
     * version they have (true): the old version may serve for up to revalidate_freq anyway, and one
     * compile more keeps a deploy's recompiles from stalling requests. Whatever did not replace it
     * (a failure, a file gone) takes it out for the pool, so that the next request answers it.
     */
    private boolean recompile(CachedEntry entry, Path realPath) throws ScriptException {
        if (policy.revalidateFreqMillis() > 0) {
            if (recompiling.add(entry.key())) {
                background().execute(() -> {
                    try {
                        replace(entry, realPath);
                    } catch (ScriptException unavailable) {
                        LOG.warn("{}", LogText.escape(unavailable.getMessage()));
                    } finally {
                        recompiling.remove(entry.key());
                    }
                });
            }
            return true;
        }
        replace(entry, realPath);
        return false;
    }

    /**
     * Has the pool's compiler compile the changed script; a version that did not make it into the
     * segment (failed, not cacheable) takes the old one out. The compiler unreachable leaves the
     * old one in: the next revalidation tries again.
     */
    private void replace(CachedEntry entry, Path realPath) throws ScriptException {
        FileOutcome outcome = compile(realPath);
        if (!outcome.inSegment()) {
            discard(entry, realPath);
        }
    }

    /**
     * Has the pool's writer invalidate {@code entry} if it is still the file's: this process maps
     * the segment read-only. Whether it was; false too when the compiler could not be asked (the
     * entry then stays until it can, or until revalidation finds it out of date again).
     */
    boolean discard(CachedEntry entry, Path realPath) {
        if (unusable.size() >= MAX_UNUSABLE) {
            unusable.clear();
        }
        unusable.add(unusableKey(entry));
        try {
            return compiler.discard(realPath, entry.ref(), Math.min(DISCARD_DEADLINE_MILLIS, policy.compileTimeoutMillis()));
        } catch (CompilerUnavailableException e) {
            LOG.warn("{}: could not have its unusable entry invalidated: {}", LogText.escape(realPath),
                    LogText.escape(e.getMessage()));
            return false;
        }
    }

    private synchronized ExecutorService background() {
        if (background == null) {
            background = Executors.newSingleThreadExecutor(new DefaultThreadFactory("recompile", true));
        }
        return background;
    }

    /**
     * How long a worker goes without checking a version against the disk itself when others hold
     * the pool's claim: long enough that honest claims do nearly all checks, short enough to bound
     * what a script that keeps claiming can hold an edit back.
     */
    static long ownCheckPeriod(long revalidateFreqMillis) {
        return Math.max(OWN_CHECK_PERIODS * revalidateFreqMillis, MIN_OWN_CHECK_MILLIS);
    }

    /** The first input of {@code unit} whose mtime or size is no longer what was compiled, or null. */
    private static Dependency changedInput(CompileUnit unit) {
        for (Dependency dependency : unit.dependencies()) {
            if (!ScriptSource.unchanged(dependency)) {
                return dependency;
            }
        }
        return null;
    }

    private static String unusableKey(CachedEntry entry) {
        return entry.key().path() + "#" + entry.ref();
    }

    /** The current version of a script: the segment's, else what the pool's compiler makes of it. */
    Version load(Path realPath, SegmentKey key) throws ScriptException {
        for (int attempt = 0; attempt < 3; attempt++) {
            CachedEntry entry = segment.lookup(key);
            if (entry != null && !unusable.isEmpty() && unusable.contains(unusableKey(entry))) {
                entry = null; // found unusable here before: as good as not cached
            }
            if (entry != null) {
                byte[] payload = entry.copyPayload();
                if (payload == null) {
                    continue;
                }
                try {
                    return new Version(entry, CompileUnitCodec.decode(payload), Map.of());
                } catch (IllegalArgumentException damaged) {
                    // The entry's checksum held, so a writer stored it so: not ours to run.
                    LOG.warn("{} in the cache is not a compile unit ({}); invalidating it", LogText.escape(realPath),
                            damaged.getMessage());
                    discard(entry, realPath);
                    continue;
                }
            }
            source.contained(realPath);
            FileOutcome outcome = compile(realPath);
            switch (outcome.status()) {
                case COMPILED, CURRENT, FILE_CACHE -> {
                    // In the segment now: look it up.
                }
                case FAILED -> throw new ScriptException(realPath + " does not compile", outcome.diagnostics());
                // Gone or swapped between this process's check and the compiler's: a 404 as any other.
                case NOT_FOUND -> throw ScriptException.notFound(realPath);
                case NOT_CACHED -> {
                    return notCached(realPath, outcome);
                }
                default -> throw new IllegalStateException("unknown outcome " + outcome.status());
            }
        }
        throw new ScriptException(realPath + ": the cache kept changing under this worker; try again", List.of());
    }

    /**
     * The version of a script the segment holds now, counting nothing and never asking the
     * compiler: what a new worker's warm-up loads. Null when the segment holds none.
     *
     * @throws ScriptException the entry's payload is not a compile unit (left for a request's load,
     *                         which has it invalidated)
     */
    Version cached(Path realPath, SegmentKey key) throws ScriptException {
        for (int attempt = 0; attempt < 3; attempt++) {
            CachedEntry entry = segment.peek(key);
            if (entry == null) {
                return null;
            }
            byte[] payload = entry.copyPayload();
            if (payload == null) {
                continue;
            }
            try {
                return new Version(entry, CompileUnitCodec.decode(payload), Map.of());
            } catch (IllegalArgumentException damaged) {
                throw new ScriptException(realPath + " in the cache is not a compile unit: " + damaged.getMessage(),
                        damaged);
            }
        }
        return null;
    }

    /** Asks the pool's compiler to put the script's current version into the segment. */
    FileOutcome compile(Path realPath) throws ScriptException {
        try {
            List<FileOutcome> outcomes = compiler.compile(List.of(realPath), policy.compileTimeoutMillis(),
                    PoolCompiler.Progress.NONE);
            return outcomes.get(0);
        } catch (CompilerUnavailableException e) {
            throw new ScriptException(realPath + ": " + e.getMessage(), List.of());
        }
    }

    private static Version notCached(Path realPath, FileOutcome outcome) throws ScriptException {
        List<CompileUnit> units;
        try {
            units = CompileUnitCodec.decodeAll(outcome.unit());
        } catch (IllegalArgumentException e) {
            throw new ScriptException(realPath + ": the compiler answered units that do not decode: " + e.getMessage(), e);
        }
        if (units.isEmpty()) {
            throw new ScriptException(realPath + ": the compiler answered no unit", List.of());
        }
        Map<Sha256, CompileUnit> supplied = new HashMap<>();
        for (CompileUnit dependency : units.subList(1, units.size())) {
            supplied.put(dependency.unitKey(), dependency);
        }
        return new Version(null, units.get(0), supplied);
    }
}
