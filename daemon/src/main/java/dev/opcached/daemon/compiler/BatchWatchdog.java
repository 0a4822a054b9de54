package dev.opcached.daemon.compiler;

import dev.opcached.daemon.compile.CompilerUnavailableException;
import dev.opcached.daemon.compile.FileOutcome;
import dev.opcached.daemon.compile.PoolCompiler;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the compiler when one engine call runs far past what any caller waits for: javac has no
 * time bound of its own, and one pathological or hostile source (an exponential type inference,
 * say) would otherwise hold the pool's one batch thread, so that every miss of every worker times
 * out while the compiler still looks alive. The same holds for what is answered without javac (a
 * file-cache read on a file system that hangs, which every request for that file waits for). Its
 * supervisor starts a fresh compiler; waiting clients ask that one.
 */
final class BatchWatchdog implements PoolCompiler {
    private static final Logger LOG = LoggerFactory.getLogger(BatchWatchdog.class);

    private final PoolCompiler engine;
    private final long limitNanos;
    private final Runnable end;
    /** When each engine call running now started, by its thread. */
    private final Map<Thread, Long> running = new ConcurrentHashMap<>();

    /**
     * @param limitMillis how long one engine call may run
     * @param end         what ends this process (a halt: the supervisor restarts it)
     */
    BatchWatchdog(PoolCompiler engine, long limitMillis, Runnable end) {
        this.engine = engine;
        this.limitNanos = limitMillis * 1_000_000;
        this.end = end;
    }

    @Override
    public List<FileOutcome> compile(List<Path> realPaths, long deadlineMillis, Progress progress)
            throws CompilerUnavailableException {
        running.put(Thread.currentThread(), System.nanoTime());
        try {
            return engine.compile(realPaths, deadlineMillis, progress);
        } finally {
            running.remove(Thread.currentThread());
        }
    }

    /** {@code look} (what is answered without javac), watched like an engine call. */
    CompilerServer.WithoutJavac watching(CompilerServer.WithoutJavac look) {
        return (realPath, deadlineNanos) -> {
            running.put(Thread.currentThread(), System.nanoTime());
            try {
                return look.outcome(realPath, deadlineNanos);
            } finally {
                running.remove(Thread.currentThread());
            }
        };
    }

    /** Not watched: an invalidation under the segment's lock, bounded by its lock timeout. */
    @Override
    public boolean discard(Path realPath, long ref, long deadlineMillis) throws CompilerUnavailableException {
        return engine.discard(realPath, ref, deadlineMillis);
    }

    /** Called periodically: ends the process if a call has run past the limit. */
    void check() {
        long now = System.nanoTime();
        for (long started : running.values()) {
            if (now - started > limitNanos) {
                LOG.error("a compile or a look has run for {} s, past {} s (4 x opcached.compile_timeout): ending this compiler so"
                        + " that the supervisor starts a fresh one", (now - started) / 1_000_000_000L, limitNanos / 1_000_000_000L);
                end.run();
                return;
            }
        }
    }
}
