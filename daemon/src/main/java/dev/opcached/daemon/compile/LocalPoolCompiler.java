package dev.opcached.daemon.compile;

import dev.opcached.daemon.filecache.FileCache;
import dev.opcached.daemon.filecache.UnitStore;
import dev.opcached.daemon.runtime.CachePolicy;
import dev.opcached.daemon.runtime.ScriptException;
import dev.opcached.daemon.runtime.ScriptSource;
import dev.opcached.protocol.common.DocrootContainment;
import dev.opcached.protocol.common.LogText;
import dev.opcached.protocol.segment.CachedEntry;
import dev.opcached.protocol.segment.CompileClaim;
import dev.opcached.protocol.segment.EntryMetadata;
import dev.opcached.protocol.segment.EpochClock;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentKey;
import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.segment.StoreOutcome;
import dev.opcached.protocol.unit.CompileUnit;
import dev.opcached.protocol.unit.CompileUnitCodec;
import dev.opcached.protocol.unit.Dependency;
import dev.opcached.protocol.unit.Sha256;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool compiler that compiles in this process (the compiler process; {@code opcached run}):
 * files whose current version the segment holds are skipped; the rest are compiled in one batch
 * ({@link SourceBatchCompiler}, which reads the docroot sources they use from the segment's
 * current units where it may), at most opcached.max_concurrent_compiles batches at once, single
 * flight across processes through the segment's compile markers; every unit of the batch (the
 * roots and the docroot sources compiled with them) is stored unless the segment holds it
 * already, so that what a root links against is there. A unit that may not be cached (OPcache's
 * rules), or that links against one that is not, is handed back with those units instead. A
 * failure is remembered for its version and served again without javac while it still holds
 * ({@link RememberedOutcomes}).
 */
public final class LocalPoolCompiler implements PoolCompiler {
    private static final Logger LOG = LoggerFactory.getLogger(LocalPoolCompiler.class);

    private final Segment segment;
    private final ScriptSource source;
    private final CachePolicy policy;
    private final EpochClock clock;
    private final SourceBatchCompiler javac;
    /** The sealed file cache and the fleet's store, or null when both are off. */
    private final FileCacheLevel fileCache;
    /** Single flight across the fleet, or null without a fleet level. */
    private final FleetFlight fleet;
    private final Semaphore turns;
    private final AtomicInteger running = new AtomicInteger();
    private final RememberedOutcomes remembered;
    private final CompileFigures figures = new CompileFigures();
    private final EntryUsability usability;
    /**
     * Files that {@link #withoutCompiling} sent on to javac after the file cache missed them: their
     * compile does not ask the file cache again (one miss, counted once) while the file's stamp is
     * the same and nothing was filed since (a batch may have filed what the file needs meanwhile).
     * A file whose compile never came (it was gone by then, say) stays noted, so past
     * {@link #MAX_MISSES_NOTED} files every note is dropped at once: each of those files then
     * costs one more look at the file cache, and the map stays bounded without an order to keep.
     */
    private final Map<Path, FileCacheMiss> fileCacheMissed = new ConcurrentHashMap<>();
    /** Files {@link #fileCacheMissed} notes at most: as many as outcomes are remembered. */
    static final int MAX_MISSES_NOTED = RememberedOutcomes.MAX_PATHS;

    /** A file the file cache missed, with its stamp then and how many units had been filed by then. */
    private record FileCacheMiss(SourceStamp stamp, long filed) {
    }

    /** The {@link #withoutCompiling} calls running now, by file: one more for the same file waits for it. */
    private final Map<Path, CompletableFuture<Void>> lookingAt = new ConcurrentHashMap<>();
    /**
     * Stripes that make "does the segment hold this unit? if not, store it" one step for loads from
     * the file cache (this process is the pool's one writer of entries): two loads of a unit at
     * once store it once, so that workers do not link it twice.
     */
    private final Object[] storeStripes = new Object[64];

    public LocalPoolCompiler(Segment segment, ScriptSource source, CachePolicy policy, EpochClock clock,
                             SourceBatchCompiler javac) {
        this(segment, source, policy, clock, javac, null);
    }

    LocalPoolCompiler(Segment segment, ScriptSource source, CachePolicy policy, EpochClock clock,
                      SourceBatchCompiler javac, FileCacheLevel fileCache) {
        this(segment, source, policy, clock, javac, fileCache, null);
    }

    LocalPoolCompiler(Segment segment, ScriptSource source, CachePolicy policy, EpochClock clock,
                      SourceBatchCompiler javac, FileCacheLevel fileCache, FleetClaims claims) {
        this.fileCache = fileCache;
        this.fleet = fileCache == null || claims == null ? null : new FleetFlight(claims, fleetClaimMillis(policy));
        this.segment = segment;
        this.source = source;
        this.policy = policy;
        this.clock = clock;
        this.javac = javac;
        this.turns = new Semaphore(policy.maxConcurrentCompiles(), true);
        this.remembered = new RememberedOutcomes(policy, clock, segment::generation);
        this.usability = new EntryUsability(segment, source, policy);
        Arrays.setAll(storeStripes, i -> new Object());
    }

    /** The pool compiler of {@code docroot} compiling into {@code segment} in this process, without a file cache. */
    public static LocalPoolCompiler forDocroot(Segment segment, Path docroot, CachePolicy policy, EpochClock clock)
            throws IOException {
        return forDocroot(segment, docroot, policy, clock, null);
    }

    /** The same with {@code fileCache} (null: none) as the second level. */
    public static LocalPoolCompiler forDocroot(Segment segment, Path docroot, CachePolicy policy, EpochClock clock,
                                               FileCache fileCache) throws IOException {
        return forDocroot(segment, docroot, policy, clock, fileCache, null, null);
    }

    /**
     * The same with {@code fileCache} and then {@code fleet} (the fleet's store, Redis) as the
     * second level, either of them null when off, and the fleet's {@code claims} (or null) for
     * single flight across hosts.
     */
    public static LocalPoolCompiler forDocroot(Segment segment, Path docroot, CachePolicy policy, EpochClock clock,
                                               FileCache fileCache, UnitStore fleet, FleetClaims claims)
            throws IOException {
        DocrootContainment containment = new DocrootContainment(docroot);
        DocrootBatchCompiler javac = new DocrootBatchCompiler(containment);
        return new LocalPoolCompiler(segment, new ScriptSource(containment), policy, clock, javac,
                fileCache == null && fleet == null ? null
                        : new FileCacheLevel(new LevelledStore(fileCache, fleet), fileCache, containment,
                                javac.keyOptions(), segment::countFileCache), claims);
    }

    /** What this compiler's javac batches did so far. */
    public CompileFigures figures() {
        return figures;
    }

    /**
     * Invalidates the entry only when the worker's claim holds ({@link EntryUsability}): the ref is
     * still the key's entry and that entry is unusable. Refused otherwise: the worker's scripts can
     * send any ref.
     */
    @Override
    public boolean discard(Path realPath, long ref, long deadlineMillis) {
        SegmentKey key = SegmentKey.of(realPath.toString());
        CachedEntry entry = segment.peek(key);
        if (entry == null || entry.ref() != ref) {
            LOG.debug("{}: asked to discard entry {}, which is no longer its entry; nothing to do",
                    LogText.escape(realPath.toString()), ref);
            return false;
        }
        String unusable = usability.unusable(realPath, entry);
        if (unusable == null) {
            LOG.debug("{}: asked to discard its entry, which is usable (current, linked against what the cache"
                    + " holds); kept", LogText.escape(realPath.toString()));
            return false;
        }
        // Compare and invalidate: a successor stored since the check stays.
        boolean discarded = segment.invalidate(key, ref);
        if (discarded) {
            LOG.info("{}: its entry was found unusable by a worker ({}); invalidated",
                    LogText.escape(realPath.toString()), LogText.escape(unusable));
        }
        return discarded;
    }

    @Override
    public List<FileOutcome> compile(List<Path> realPaths, long deadlineMillis, Progress progress)
            throws CompilerUnavailableException {
        long started = System.nanoTime();
        Map<Path, FileOutcome> outcomes = new LinkedHashMap<>();
        Map<Path, SourceStamp> toCompile = new LinkedHashMap<>();
        Set<Path> replacing = new HashSet<>();
        for (Path path : realPaths) {
            if (outcomes.containsKey(path) || toCompile.containsKey(path)) {
                continue;
            }
            FileOutcome known = withoutJavac(path, toCompile, replacing);
            if (known != null) {
                outcomes.put(path, known);
                progress.done(known);
            }
        }
        // With a fleet, hosts compiling the same change share each wave before compiling the next against it.
        List<Map<Path, SourceStamp>> waves = fleet == null || !fleet.up() ? List.of(toCompile)
                : CompileWaves.of(toCompile, path -> {
                    CachedEntry entry = segment.peek(SegmentKey.of(path.toString()));
                    return entry == null ? null : unitOf(entry);
                });
        for (Map<Path, SourceStamp> wave : waves) {
            if (wave.isEmpty()) {
                continue;
            }
            long spentMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            compileClaimed(wave, replacing, Math.max(1, deadlineMillis - spentMillis), outcomes, progress);
        }
        List<FileOutcome> inOrder = new ArrayList<>(realPaths.size());
        for (Path path : realPaths) {
            FileOutcome outcome = outcomes.get(path);
            if (outcome == null) {
                throw new CompilerUnavailableException("no outcome for " + path + " within "
                        + (System.nanoTime() - started) / 1_000_000 + " ms");
            }
            inOrder.add(outcome);
        }
        return inOrder;
    }

    /**
     * The outcome of {@code realPath} when it needs no javac (gone, current, loaded from the file
     * cache, a remembered version), else null: what the compiler process answers at once on the
     * request's own thread, so that a worker's miss never waits behind a batch (javac's, or another
     * request's loads). Safe from several threads at once, and beside {@link #compile}.
     *
     * @param deadlineNanos when the caller stops waiting, on {@link System#nanoTime()}'s clock
     * @throws CompilerUnavailableException another request's look at the same file did not end by
     *         then (a file-cache read that hangs, say): the outcome is not known, and not made up
     */
    public FileOutcome withoutCompiling(Path realPath, long deadlineNanos) throws CompilerUnavailableException {
        // After a reset both workers and the reset's reload ask for the same scripts at once: one
        // looks, the others wait for it and then find what it stored (current), at no cost.
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> running = lookingAt.putIfAbsent(realPath, mine);
        if (running != null) {
            awaitLook(realPath, running, deadlineNanos);
            return lookWithoutCompiling(realPath);
        }
        try {
            return lookWithoutCompiling(realPath);
        } finally {
            lookingAt.remove(realPath, mine);
            mine.complete(null);
        }
    }

    /** Waits for another request's look at {@code realPath}, until the caller's deadline. */
    private static void awaitLook(Path realPath, CompletableFuture<Void> running, long deadlineNanos)
            throws CompilerUnavailableException {
        try {
            running.get(deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new CompilerUnavailableException(realPath + ": another request was still loading it (from the"
                    + " file cache) at this request's deadline");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompilerUnavailableException(realPath + ": interrupted while another request was loading it", e);
        } catch (ExecutionException impossible) {
            throw new IllegalStateException("a look completes normally", impossible);
        }
    }

    private FileOutcome lookWithoutCompiling(Path realPath) {
        long filed = fileCache == null ? 0 : fileCache.filed();
        Map<Path, SourceStamp> toCompile = new HashMap<>(2);
        FileOutcome known = withoutJavac(realPath, toCompile, new HashSet<>());
        SourceStamp stamp = toCompile.get(realPath);
        if (known == null && fileCache != null && stamp != null && cacheable(realPath, stamp)) {
            if (fileCacheMissed.size() >= MAX_MISSES_NOTED) {
                fileCacheMissed.clear();
            }
            fileCacheMissed.put(realPath, new FileCacheMiss(stamp, filed));
        }
        return known;
    }

    /**
     * The outcome of a file that needs no javac (gone, current, in the file cache, a remembered
     * version), else null after noting its stamp, and in {@code replacing} when the segment holds
     * an older unit of it.
     */
    private FileOutcome withoutJavac(Path path, Map<Path, SourceStamp> toCompile, Set<Path> replacing) {
        SourceStamp stamp;
        try {
            stamp = source.contained(path);
        } catch (ScriptException e) {
            return new FileOutcome(path.toString(), FileOutcome.Status.NOT_FOUND, List.of(e.getMessage()), null, 0);
        }
        SegmentKey key = SegmentKey.of(path.toString());
        CachedEntry entry = segment.peek(key);
        if (entry != null) {
            CompileUnit unit = unitOf(entry);
            if (unit != null && stamp.matches(entry.metadata()) && ScriptSource.unchanged(unit.dependencies())) {
                return new FileOutcome(path.toString(), FileOutcome.Status.CURRENT, List.of(), null, 0);
            }
            // Out of date: its successor replaces it when stored, so that workers keep running it
            // meanwhile (a deploy's compiles stall no request); a failure drops it (compileOwned).
            replacing.add(path);
        }
        // A remembered outcome before the file cache: it costs stats, where a look there reads and
        // hashes the source (and may ask the fleet); and while a failure holds, javac would fail
        // again on these very inputs, which no unit filed from them can say otherwise about.
        FileOutcome last = remembered.recall(path, stamp);
        if (last != null) {
            if (last.status() == FileOutcome.Status.NOT_CACHED && policy.blacklist().matches(path.toString())) {
                // OPcache counts a blacklist miss per use of the file, not per compile.
                segment.countBlacklistMiss();
            }
            return last;
        }
        if (fileCache != null && cacheable(path, stamp)
                && !new FileCacheMiss(stamp, fileCache.filed()).equals(fileCacheMissed.remove(path))) {
            FileOutcome fromDisk = fromFileCache(path);
            if (fromDisk != null) {
                return fromDisk;
            }
        }
        toCompile.put(path, stamp);
        return null;
    }

    /**
     * Stores the file's unit and those of its closure from the file cache, each checked against
     * the file as it is now; null (compile it) on any doubt or when the segment will not take one.
     */
    private FileOutcome fromFileCache(Path path) {
        List<FileCacheLevel.Found> found = fileCache.load(path);
        if (found == null) {
            return null;
        }
        for (FileCacheLevel.Found unit : found) {
            if (!cacheable(unit.path(), unit.stamp())) {
                return null;
            }
        }
        // The file's inputs before the file (it comes first), as a batch stores them.
        for (int i = found.size() - 1; i >= 0; i--) {
            FileCacheLevel.Found unit = found.get(i);
            String unitPath = unit.path().toString();
            SegmentKey key = SegmentKey.of(unitPath);
            synchronized (storeStripes[Math.floorMod(unitPath.hashCode(), storeStripes.length)]) {
                if (holds(key, unit.stamp(), unit.unit())) {
                    continue;
                }
                EntryMetadata metadata = new EntryMetadata(unit.stamp().mtimeMillis(), unit.stamp().size(),
                        unit.unit().sourceHash().prefix(), clock.millis(), 0);
                if (segment.store(key, metadata, CompileUnitCodec.encode(unit.unit())) != StoreOutcome.STORED) {
                    return null;
                }
            }
        }
        LOG.debug("{} and {} inputs from the file cache", LogText.escape(path), found.size() - 1);
        return new FileOutcome(path.toString(), FileOutcome.Status.FILE_CACHE, List.of(), null, 0);
    }

    /**
     * The unit the segment holds for the docroot source at {@code path} as it is now, every input
     * unchanged on disk, or null: what a batch may read as class files instead of compiling it.
     * (The segment only: javac lists whole packages, and asking the file cache or the fleet for
     * every file listed would cost far more lookups than the compiles it could save.)
     */
    private CurrentUnits.Current currentInSegment(Path path) {
        CachedEntry entry = segment.peek(SegmentKey.of(path.toString()));
        if (entry == null) {
            return null;
        }
        SourceStamp stamp;
        try {
            stamp = source.contained(path);
        } catch (ScriptException gone) {
            return null;
        }
        CompileUnit unit = stamp.matches(entry.metadata()) ? unitOf(entry) : null;
        return unit != null && ScriptSource.unchanged(unit.dependencies()) ? new CurrentUnits.Current(path, stamp, unit)
                : null;
    }

    /** Whether the segment holds this very unit for the file as it is now (same key, same stamps). */
    private boolean holds(SegmentKey key, SourceStamp stamp, CompileUnit unit) {
        CachedEntry entry = segment.peek(key);
        CompileUnit held = entry == null ? null : unitOf(entry);
        return held != null && stamp.matches(entry.metadata()) && held.unitKey().equals(unit.unitKey())
                && held.dependencies().equals(unit.dependencies());
    }

    /** Whether the segment may hold this version of the file (OPcache's rules), counting nothing. */
    private boolean cacheable(Path path, SourceStamp stamp) {
        return !policy.blacklist().matches(path.toString()) && policy.notCacheable(stamp, clock.millis()) == null;
    }

    /** Claims each file's compile marker, compiles those this process owns, waits for the others. */
    private void compileClaimed(Map<Path, SourceStamp> files, Set<Path> replacing, long deadlineMillis,
                                Map<Path, FileOutcome> outcomes, Progress progress) throws CompilerUnavailableException {
        List<Path> owned = new ArrayList<>();
        List<Path> busy = new ArrayList<>();
        long staleAfter = policy.compileTimeoutMillis();
        for (Path path : files.keySet()) {
            if (replacing.contains(path)) {
                // The key has an entry, so no marker: whoever stores last replaces it.
                owned.add(path);
                continue;
            }
            CompileClaim claim = segment.beginCompile(SegmentKey.of(path.toString()), staleAfter);
            switch (claim.kind()) {
                case OWNER, UNTRACKED -> owned.add(path);
                case CACHED -> done(outcomes, progress, current(path));
                case BUSY -> busy.add(path);
                default -> throw new IllegalStateException("unknown claim " + claim.kind());
            }
        }
        // Claims to release once compiled (ours, and those not answered in time), and others' to wait for.
        Map<Path, Sha256> fleetOwned = new LinkedHashMap<>();
        Map<Path, Sha256> fleetHeld = new LinkedHashMap<>();
        boolean handedToJavac = false;
        boolean compiled = false;
        try {
            // While the fleet does not answer, no claim can be taken: nothing is asked.
            if (fleet != null && fleet.up()) {
                FleetFlight.Claimed claims = claimInFleet(owned, files);
                fleetHeld.putAll(claims.others());
                fleetOwned.putAll(claims.unanswered());
                // A file this host missed earlier may have been stored by another host since (its
                // claim released just before ours): one more look before javac.
                for (Map.Entry<Path, Sha256> entry : claims.ours().entrySet()) {
                    FileOutcome stored = fromFileCache(entry.getKey());
                    if (stored != null) {
                        owned.remove(entry.getKey());
                        fleet.release(entry.getValue());
                        done(outcomes, progress, stored);
                    } else {
                        fleetOwned.put(entry.getKey(), entry.getValue());
                    }
                }
            }
            handedToJavac = true;
            if (!owned.isEmpty()) {
                compileOwned(owned, files, replacing, deadlineMillis, outcomes, progress);
            }
            compiled = true;
        } finally {
            for (Sha256 claimed : fleetOwned.values()) {
                fleet.release(claimed);
            }
            if (!compiled) {
                // No wait for the fleet after a failure: the files we hold markers for let local
                // waiters go (those handed to javac, compileOwned lets go of itself).
                List<Path> markers = new ArrayList<>(fleetHeld.keySet());
                if (!handedToJavac) {
                    markers.addAll(owned);
                }
                markers.stream().filter(path -> !replacing.contains(path) && !outcomes.containsKey(path))
                        .forEach(path -> segment.abandonCompile(SegmentKey.of(path.toString())));
            }
        }
        if (!fleetHeld.isEmpty()) {
            awaitFleet(fleetHeld, files, replacing, deadlineMillis, outcomes, progress);
        }
        for (Path path : busy) {
            CompileClaim claim = segment.awaitCompile(SegmentKey.of(path.toString()), staleAfter, deadlineMillis);
            if (claim.kind() == CompileClaim.Kind.CACHED) {
                done(outcomes, progress, current(path));
            } else {
                // The other compiler gave up or died: ours now.
                compileOwned(List.of(path), files, replacing, deadlineMillis, outcomes, progress);
            }
        }
    }

    /**
     * How long a fleet claim lives, and so how long another host waits on it: a quarter of
     * opcached.compile_timeout (at least a second). Short, because a host waiting on a claim runs
     * no other batch meanwhile (the compiler process compiles one batch at a time), and a claimer
     * that died costs the others this long; a compile that takes longer is done twice.
     */
    private static long fleetClaimMillis(CachePolicy policy) {
        return Math.max(1_000, policy.compileTimeoutMillis() / 4);
    }

    /**
     * Claims each of {@code owned} in the fleet ({@link FleetFlight#claim}); those another host is
     * compiling now leave {@code owned}. A file that may not be cached stays owned, unclaimed.
     */
    private FleetFlight.Claimed claimInFleet(List<Path> owned, Map<Path, SourceStamp> stamps) {
        Map<Path, Sha256> sourceKeys = new LinkedHashMap<>();
        for (Path path : owned) {
            Sha256 sourceKey = cacheable(path, stamps.get(path)) ? fileCache.sourceKey(path) : null;
            if (sourceKey != null) {
                sourceKeys.put(path, sourceKey);
            }
        }
        FleetFlight.Claimed claims = fleet.claim(sourceKeys);
        owned.removeAll(claims.others().keySet());
        return claims;
    }

    /**
     * Waits for the hosts that claimed {@code held} to store their units, then takes each from the
     * levels, compiling here in one batch those whose claim went without an entry (the claimer
     * failed or died) or still held after a claim's life. A file javac compiled here along with
     * this host's own (an input of theirs) is no wait, and no compile saved. Whatever goes wrong
     * before every file had its outcome, the markers of those left let local waiters go.
     */
    private void awaitFleet(Map<Path, Sha256> held, Map<Path, SourceStamp> stamps, Set<Path> replacing,
                            long deadlineMillis, Map<Path, FileOutcome> outcomes, Progress progress)
            throws CompilerUnavailableException {
        Map<Path, Sha256> waiting = new LinkedHashMap<>(held);
        for (Iterator<Path> files = waiting.keySet().iterator(); files.hasNext(); ) {
            Path file = files.next();
            if (currentInSegment(file) != null) {
                files.remove();
                done(outcomes, progress, current(file));
            }
        }
        List<Path> toCompile = new ArrayList<>();
        try {
            fleet.awaitReleases(waiting, deadlineMillis, file -> {
                FileOutcome fromFleet = fromFileCache(file);
                if (fromFleet == null) {
                    toCompile.add(file);
                } else {
                    fleet.saved();
                    done(outcomes, progress, fromFleet);
                }
            });
            if (!toCompile.isEmpty()) {
                compileOwned(toCompile, stamps, replacing, deadlineMillis, outcomes, progress);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompilerUnavailableException("interrupted while waiting on another host's compile", e);
        } finally {
            held.keySet().stream().filter(path -> !replacing.contains(path) && !outcomes.containsKey(path))
                    .forEach(path -> segment.abandonCompile(SegmentKey.of(path.toString())));
        }
    }

    private void compileOwned(List<Path> roots, Map<Path, SourceStamp> stamps, Set<Path> replacing, long deadlineMillis,
                              Map<Path, FileOutcome> outcomes, Progress progress) throws CompilerUnavailableException {
        List<Path> markersHeld = new ArrayList<>(roots);
        markersHeld.removeAll(replacing);
        List<Path> outdated = new ArrayList<>(replacing);
        outdated.retainAll(roots);
        try {
            acquireTurn(deadlineMillis, roots);
            SourceBatchCompiler.Batch batch;
            int alongside = running.incrementAndGet();
            // Before javac reads a source: a reset from here on forgets what this batch remembers.
            long generation = segment.generation();
            try {
                batch = javac.compile(roots, this::currentInSegment);
            } finally {
                running.decrementAndGet();
                turns.release();
            }
            figures.batch(batch.sources().size(), batch.micros());
            Map<Path, Boolean> inSegment = storeAll(batch);
            for (Path root : roots) {
                FileOutcome outcome = rootOutcome(root, stamps.get(root), batch, inSegment, alongside, generation);
                if (outcome.inSegment()) {
                    markersHeld.remove(root); // the store cleared it
                    outdated.remove(root); // and replaced the old unit
                }
                done(outcomes, progress, outcome);
            }
        } finally {
            // An old unit whose successor is not in the segment (it failed, or may not be cached) goes.
            for (Path root : outdated) {
                segment.invalidate(SegmentKey.of(root.toString()), true);
            }
            // Every way out but a store (a compile error, an Error, a full cache) lets waiters go.
            for (Path root : markersHeld) {
                segment.abandonCompile(SegmentKey.of(root.toString()));
            }
        }
    }

    /** Stores every unit of the batch the segment does not hold yet; says per source whether the segment holds it now. */
    private Map<Path, Boolean> storeAll(SourceBatchCompiler.Batch batch) {
        Map<Path, Boolean> inSegment = new HashMap<>();
        // Dependencies before what uses them (a unit's closure holds its dependencies' closures),
        // so that no process finds a stored unit whose dependency's new version is not there yet.
        List<SourceBatchCompiler.CompiledSource> inOrder = new ArrayList<>(batch.sources().values());
        inOrder.sort(Comparator.comparingInt(compiled -> compiled.failed() ? 0 : compiled.unit().dependencies().size()));
        for (SourceBatchCompiler.CompiledSource compiled : inOrder) {
            if (compiled.failed()) {
                segment.countCompile();
                figures.failed();
                inSegment.put(compiled.path(), false);
                continue;
            }
            SegmentKey key = SegmentKey.of(compiled.path().toString());
            if (holds(key, compiled.stamp(), compiled.unit())) {
                inSegment.put(compiled.path(), true);
                continue;
            }
            segment.countCompile();
            String notCacheable = notCacheable(compiled);
            if (notCacheable != null) {
                LOG.debug("{} not cached: {}", LogText.escape(compiled.path()), notCacheable);
                inSegment.put(compiled.path(), false);
                continue;
            }
            if (fileCache != null) {
                fileCache.store(compiled.path(), compiled.unit());
            }
            EntryMetadata metadata = new EntryMetadata(compiled.stamp().mtimeMillis(), compiled.stamp().size(),
                    compiled.unit().sourceHash().prefix(), clock.millis(), batch.micros());
            StoreOutcome stored = segment.store(key, metadata, CompileUnitCodec.encode(compiled.unit()));
            if (stored != StoreOutcome.STORED) {
                LOG.warn("{} compiled but not cached: {}", LogText.escape(compiled.path()), stored);
            }
            inSegment.put(compiled.path(), stored == StoreOutcome.STORED);
        }
        return inSegment;
    }

    private FileOutcome rootOutcome(Path root, SourceStamp stamp, SourceBatchCompiler.Batch batch,
                                    Map<Path, Boolean> inSegment, int alongside, long generation) {
        SourceBatchCompiler.CompiledSource compiled = batch.sources().get(root);
        long millis = batch.micros() / 1000;
        if (compiled == null || compiled.failed()) {
            List<String> diagnostics = compiled == null || compiled.diagnostics().isEmpty()
                    ? List.of(root + ": declares no class") : compiled.diagnostics();
            LOG.warn("compile of {} failed in {} ms ({} running):{}", LogText.escape(root), millis, alongside,
                    LogText.lines(diagnostics));
            return remembered.rememberFailure(root, stamp, compiled == null ? null : compiled.failedPass(),
                    new FileOutcome(root.toString(), FileOutcome.Status.FAILED, diagnostics, null, batch.micros()),
                    generation);
        }
        CompileUnit unit = compiled.unit();
        long bytes = unit.classes().stream().mapToLong(c -> c.bytes().length).sum();
        LOG.info("compiled {} in {} ms: {} classes, {} bytes, {} inputs ({} running)", LogText.escape(root), millis,
                unit.classes().size(), bytes, unit.dependencies().size(), alongside);
        List<CompileUnit> handOver = new ArrayList<>();
        if (!inSegment.getOrDefault(root, false)) {
            handOver.add(unit);
        }
        for (Dependency dependency : unit.sources()) {
            SourceBatchCompiler.CompiledSource input = batch.sources().get(Path.of(dependency.path()));
            if (input != null && !input.failed() && !inSegment.getOrDefault(input.path(), false)) {
                handOver.add(input.unit());
            }
        }
        if (handOver.isEmpty()) {
            return new FileOutcome(root.toString(), FileOutcome.Status.COMPILED, List.of(), null, batch.micros());
        }
        if (handOver.get(0) != unit) {
            // Stored, but it links against units the segment does not hold: useless to the pool.
            segment.invalidate(SegmentKey.of(root.toString()), true);
            handOver.add(0, unit);
        }
        return remembered.remember(root, stamp, unit.dependencies(), new FileOutcome(root.toString(), FileOutcome.Status.NOT_CACHED,
                List.of(), CompileUnitCodec.encodeAll(handOver), batch.micros()), generation);
    }

    private String notCacheable(SourceBatchCompiler.CompiledSource compiled) {
        if (policy.blacklist().matches(compiled.path().toString())) {
            segment.countBlacklistMiss();
            return "blacklisted";
        }
        return policy.notCacheable(compiled.stamp(), clock.millis());
    }

    private FileOutcome current(Path path) {
        return new FileOutcome(path.toString(), FileOutcome.Status.CURRENT, List.of(), null, 0);
    }

    private static void done(Map<Path, FileOutcome> outcomes, Progress progress, FileOutcome outcome) {
        outcomes.put(Path.of(outcome.path()), outcome);
        progress.done(outcome);
    }

    /** The entry's unit, or null when its payload is gone (a restart), damaged, or not a compile unit. */
    public static CompileUnit unitOf(CachedEntry entry) {
        byte[] payload = entry.copyPayload();
        if (payload == null) {
            return null;
        }
        try {
            return CompileUnitCodec.decode(payload);
        } catch (IllegalArgumentException damaged) {
            return null;
        }
    }

    private void acquireTurn(long deadlineMillis, List<Path> roots) throws CompilerUnavailableException {
        try {
            if (!turns.tryAcquire(deadlineMillis, TimeUnit.MILLISECONDS)) {
                throw new CompilerUnavailableException(roots.get(0) + (roots.size() > 1 ? " and " + (roots.size() - 1)
                        + " more" : "") + ": no compile turn within " + deadlineMillis + " ms (opcached.max_concurrent_compiles="
                        + policy.maxConcurrentCompiles() + " all busy)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompilerUnavailableException("interrupted while waiting for a compile turn", e);
        }
    }
}
