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
import java.util.function.LongSupplier;

/**
 * The last outcome of each file version (real path, mtime, size) that javac failed on or that the
 * segment may not hold, served again without javac.
 *
 * <p>A failure is served while the file keeps its stamp and so does everything the javac pass
 * that failed it depended on ({@link PassInputs}: the sources it read, the served units whose
 * class files it opened, the directories it looked classes up in, the jars), since the error may
 * be in another file the script uses, or a class it names may have been missing, and either may
 * have been fixed since; and for {@link #MAX_FAILURE_MEMORY_MILLIS} at most. It is checked on
 * every use whatever opcache.validate_timestamps and revalidate_freq say: a failure is no cache
 * entry (OPcache keeps no failed script, so a fix shows on the next request), and the memo must
 * not make it one. A failure whose pass is not known (a file refused before javac, a compiler
 * that could not start, a source that could not be read, a pass that crashed, a root failed by
 * its batch rather than by its own errors: what need not happen again), whose pass had more than
 * {@link #MAX_FAILURE_INPUTS} inputs to check, or one of whose stamps is racy (an mtime within
 * {@link #RACY_MARGIN_MILLIS}, or file_update_protection if longer, of when it was taken: a
 * change in the same clock tick would not show; its inputs are still checked) is served for
 * max(2 s, revalidate_freq) only, and never past {@link #MAX_FAILURE_MEMORY_MILLIS} either.
 *
 * <p>A unit the segment may not hold is served while the file and its inputs keep their stamps
 * and it still may not be cached (or for that period at least: a full cache may have room by
 * then). Past 1,024 paths the least recently used go.
 *
 * <p>A reset or restart of the segment forgets them all, and what a compile that was running at
 * the time remembers after it (each is kept with the generation its compile began in), as
 * OPcache's reset forgets everything: an operator who resets after a fix that kept every stamp (a
 * file put back with its old mtime) gets a compile, not the old 500.
 */
final class RememberedOutcomes {
    /**
     * How long an outcome whose holding cannot be checked is served again at least (a storm for
     * such a file costs one compile per period).
     */
    static final long MIN_MEMORY_MILLIS = 2_000;
    /**
     * The inputs one remembered failure may check: past them, it is served for the period only,
     * as one whose pass is not known, so that a recall costs a bounded number of stats.
     */
    static final int MAX_FAILURE_INPUTS = 256;
    /**
     * How long a failure is served at most without javac, however its inputs hold. A pass's outcome
     * also depends on what no stamp records: which docroot sources have a current unit in the
     * segment (a secondary top-level class javac finds only in a served unit's class files, a
     * duplicate class that clashes only with a source compiled from its text), and whatever else
     * a recorded stamp misses. Past this, the next request compiles once (one compile for all
     * that wait), so that such a failure lasts a minute, not until a file changes.
     */
    static final long MAX_FAILURE_MEMORY_MILLIS = 60_000;
    /**
     * The least margin within which a recorded mtime makes its stamp racy ({@link PassInputs#racy}):
     * file_update_protection's default, and at least what coarse file system clocks need whatever
     * file_update_protection says.
     */
    static final long RACY_MARGIN_MILLIS = 2_000;
    /** Paths remembered: enough for every broken or uncacheable file of a large docroot. */
    static final int MAX_PATHS = 1024;

    /**
     * One remembered outcome: a failure with what its pass depended on (null: not known or too
     * many to check) and how long it may be served at most, or a unit that may not be cached with
     * the inputs it was compiled against.
     */
    private record Remembered(SourceStamp stamp, FileOutcome outcome, long atNanos, long generation,
                              List<Dependency> inputs, PassInputs failedPass, long failureNanos) {
    }

    private final CachePolicy policy;
    private final EpochClock clock;
    private final LongSupplier nanoClock;
    private final LongSupplier generation;
    private final long periodNanos;
    private final long racyMarginMillis;
    private final long maxFailureNanos = MAX_FAILURE_MEMORY_MILLIS * 1_000_000;
    private final Map<String, Remembered> byPath = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Remembered> eldest) {
            return size() > MAX_PATHS;
        }
    };

    /** @param generation the segment's current generation ({@code Segment::generation}) */
    RememberedOutcomes(CachePolicy policy, EpochClock clock, LongSupplier generation) {
        this(policy, clock, generation, System::nanoTime);
    }

    /** @param nanoClock {@link System#nanoTime()}'s clock, or a test's */
    RememberedOutcomes(CachePolicy policy, EpochClock clock, LongSupplier generation, LongSupplier nanoClock) {
        this.policy = policy;
        this.clock = clock;
        this.generation = generation;
        this.nanoClock = nanoClock;
        this.periodNanos = Math.max(MIN_MEMORY_MILLIS, policy.revalidateFreqMillis()) * 1_000_000;
        this.racyMarginMillis = Math.max(RACY_MARGIN_MILLIS, policy.fileUpdateProtectionMillis());
    }

    /**
     * Remembers the unit {@code outcome} (not cached) of this version of the file, compiled against
     * {@code inputs} by a compile that began in the segment's generation {@code generation} (read
     * before it read any source, so that a reset during the compile forgets it); returns it.
     */
    synchronized FileOutcome remember(Path path, SourceStamp stamp, List<Dependency> inputs, FileOutcome outcome,
                                      long generation) {
        byPath.put(path.toString(), new Remembered(stamp, outcome, nanoClock.getAsLong(), generation, inputs, null,
                0));
        return outcome;
    }

    /**
     * Remembers the failure {@code outcome} of this version of the file, failed by a pass that
     * depended on {@code failedPass} (null: not known; one of more than {@link #MAX_FAILURE_INPUTS}
     * inputs is taken as not known; one with a racy stamp is still checked, for the period only),
     * in a compile that began in the segment's generation {@code generation} (as for
     * {@link #remember}); returns it.
     */
    synchronized FileOutcome rememberFailure(Path path, SourceStamp stamp, PassInputs failedPass, FileOutcome outcome,
                                             long generation) {
        PassInputs checked = failedPass == null || failedPass.size() > MAX_FAILURE_INPUTS ? null : failedPass;
        // A failure that cannot be trusted is never kept longer than one that can (revalidate_freq may exceed the cap).
        long failureNanos = checked == null || checked.racy(stamp, racyMarginMillis)
                ? Math.min(periodNanos, maxFailureNanos) : maxFailureNanos;
        byPath.put(path.toString(), new Remembered(stamp, outcome, nanoClock.getAsLong(), generation, List.of(),
                checked, failureNanos));
        return outcome;
    }

    /**
     * The remembered outcome of this version of the file while it may be served again, else null.
     * The stats are taken outside the lock, so that requests for different files do not queue
     * behind each other's.
     */
    FileOutcome recall(Path path, SourceStamp stamp) {
        String key = path.toString();
        Remembered last;
        synchronized (this) {
            last = byPath.get(key);
        }
        if (last == null) {
            return null;
        }
        long age = nanoClock.getAsLong() - last.atNanos;
        boolean recent = age < periodNanos;
        boolean usable = last.stamp.equals(stamp) && last.generation == generation.getAsLong() && (last.outcome.status() == FileOutcome.Status.FAILED
                ? age < last.failureNanos && (last.failedPass == null || last.failedPass.unchanged())
                : ScriptSource.unchanged(last.inputs) && (recent || policy.blacklist().matches(key)
                        || policy.notCacheable(stamp, clock.millis()) != null));
        if (!usable) {
            synchronized (this) {
                // Unless another compile remembered a newer outcome meanwhile.
                byPath.remove(key, last);
            }
            return null;
        }
        return last.outcome;
    }
}
