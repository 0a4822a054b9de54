package dev.opcached.daemon.worker;

import dev.opcached.daemon.runtime.ScriptException;
import dev.opcached.daemon.runtime.ScriptRuntime;
import dev.opcached.protocol.common.LogText;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.ScriptStatistics;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the pool's most used scripts from the segment into a new worker before it listens, so
 * that the requests a replacement gets first find their classes defined and linked instead of
 * copying, linking and defining a whole application on the way. Only the segment's units are
 * loaded, never a compile, and no script code runs (scripts may write files): a load is a copy,
 * a link and class definitions. Bounded in count and time; a fresh pool's empty segment costs
 * one read of the header's script count.
 */
final class HotScriptPreload {
    private static final Logger LOG = LoggerFactory.getLogger(HotScriptPreload.class);
    /** Most used first; among equals the most recently used. */
    private static final Comparator<ScriptStatistics> HOTTEST = Comparator.comparingLong(ScriptStatistics::hits)
            .thenComparingLong(ScriptStatistics::lastUsedMillis).reversed();

    private final Segment segment;
    private final ScriptRuntime runtime;
    private final int maxScripts;
    private final long timeLimitNanos;
    private final LongSupplier nanoClock;

    /**
     * @param maxScripts      opcached.worker_warmup_scripts: most scripts loaded; 0 = none
     * @param timeLimitMillis opcached.worker_warmup_timeout: no script is started after it
     */
    HotScriptPreload(Segment segment, ScriptRuntime runtime, int maxScripts, long timeLimitMillis,
                     LongSupplier nanoClock) {
        this.segment = segment;
        this.runtime = runtime;
        this.maxScripts = maxScripts;
        this.timeLimitNanos = TimeUnit.MILLISECONDS.toNanos(timeLimitMillis);
        this.nanoClock = nanoClock;
    }

    /**
     * Loads what it can within its bounds, and logs how many scripts and classes; never throws.
     *
     * @return whether the segment holds scripts (false: a fresh pool, or one just reset, whose
     *         first requests compile anyway)
     */
    boolean run() {
        long started = nanoClock.getAsLong();
        List<ScriptStatistics> hottest;
        try {
            // The header's count first: a fresh pool's worker starts without a scan.
            if (segment.statistics().numCachedScripts() == 0) {
                return false;
            }
            if (maxScripts == 0) {
                return true;
            }
            hottest = segment.scripts().stream()
                    .filter(script -> script.fullPath().endsWith(".java"))
                    .sorted(HOTTEST).limit(maxScripts).toList();
        } catch (RuntimeException e) {
            // Only speed is at stake: serve anyway.
            LOG.warn("warm-up: the segment's scripts could not be listed: {}", LogText.escape(e.toString()));
            return true;
        }
        int scripts = 0;
        int classes = 0;
        int failed = 0;
        boolean timedOut = false;
        for (ScriptStatistics script : hottest) {
            if (nanoClock.getAsLong() - started >= timeLimitNanos) {
                timedOut = true;
                break;
            }
            try {
                int defined = runtime.preload(Path.of(script.fullPath()));
                if (defined >= 0) {
                    scripts++;
                    classes += defined;
                }
            } catch (ScriptException | RuntimeException | LinkageError e) {
                failed++;
                LOG.warn("warm-up: {} not loaded from the segment (its first request loads it): {}",
                        LogText.escape(script.fullPath()),
                        LogText.escape(e instanceof ScriptException ? e.getMessage() : e.toString()));
            }
        }
        LOG.info("warm-up: loaded {} hot scripts ({} classes) from the segment in {} ms{}{}", scripts, classes,
                TimeUnit.NANOSECONDS.toMillis(nanoClock.getAsLong() - started),
                failed > 0 ? "; " + failed + " could not be loaded" : "",
                timedOut ? "; stopped at opcached.worker_warmup_timeout" : "");
        return true;
    }
}
