package dev.opcached.daemon.runtime;

import dev.opcached.daemon.compile.ScriptCompiler;
import dev.opcached.protocol.common.LogText;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SourceStamp;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's compiles: at most opcached.max_concurrent_compiles at once (javac takes a core and
 * tens of MB each), each version of a file compiled once while others wanting it wait for that
 * compile, and a failure remembered and served again until the file's mtime or size changes.
 */
final class BoundedCompiler {
    private static final Logger LOG = LoggerFactory.getLogger(BoundedCompiler.class);
    /** Versions remembered: enough for every broken or uncacheable file of a large docroot. */
    static final int MEMO_PATHS = 1024;
    /**
     * How long a failure is served again at least (opcache.revalidate_freq if longer): a storm of
     * requests for a broken file costs one compile per period, and a fix to another docroot file it
     * uses is seen after that.
     */
    static final long MIN_FAILURE_MEMORY_MILLIS = 2_000;

    private final ScriptCompiler compiler;
    private final Segment segment;
    private final Semaphore turns;
    private final int maxTurns;
    private final long waitMillis;
    private final CompileMemo memo;
    private final AtomicInteger running = new AtomicInteger();

    BoundedCompiler(ScriptCompiler compiler, Segment segment, CachePolicy policy) {
        this.compiler = compiler;
        this.segment = segment;
        this.maxTurns = policy.maxConcurrentCompiles();
        this.turns = new Semaphore(maxTurns, true);
        this.waitMillis = policy.compileTimeoutMillis();
        this.memo = new CompileMemo(MEMO_PATHS, Math.max(MIN_FAILURE_MEMORY_MILLIS, policy.revalidateFreqMillis()));
    }

    /** Throws the remembered failure of this version of the file, if its last compile failed. */
    void throwIfFailed(Path realPath, SourceStamp stamp) throws ScriptException {
        CompileMemo.Version failed = memo.failed(realPath.toString(), stamp);
        if (failed != null) {
            await(realPath, failed);
        }
    }

    /**
     * Compiles this version of the file, or waits for the compile of it already running here.
     *
     * @param keep whether a success is remembered too (for files the segment will not hold)
     */
    CompiledScript compile(Path realPath, SourceStamp stamp, boolean keep) throws ScriptException {
        String path = realPath.toString();
        CompileMemo.Version mine = new CompileMemo.Version(stamp);
        CompileMemo.Version running = memo.joinOrStart(path, stamp, mine);
        if (running != null) {
            return await(realPath, running);
        }
        try {
            CompiledScript compiled = compileNow(realPath);
            mine.result().complete(compiled);
            memo.finished(path, mine, keep);
            return compiled;
        } catch (ScriptException e) {
            mine.fail(e);
            // Gone, unreadable, no turn: not a verdict on this version's text; try again next time.
            memo.finished(path, mine, !e.isNotFound() && !e.diagnostics().isEmpty());
            throw e;
        } catch (RuntimeException | Error e) {
            mine.fail(e);
            memo.finished(path, mine, false);
            throw e;
        }
    }

    private static CompiledScript await(Path realPath, CompileMemo.Version version) throws ScriptException {
        try {
            return version.result().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScriptException(realPath + ": interrupted while waiting for its compile", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ScriptException failure) {
                // A copy: the original's stack belongs to the thread that compiled.
                throw failure.isNotFound() ? ScriptException.notFound(realPath)
                        : new ScriptException(failure.getMessage(), failure.diagnostics());
            }
            throw new ScriptException(realPath + ": compile failed: " + e.getCause(), e.getCause());
        }
    }

    private CompiledScript compileNow(Path realPath) throws ScriptException {
        acquireTurn(realPath);
        try {
            byte[] text = ScriptSource.read(realPath);
            int alongside = running.incrementAndGet();
            ScriptCompiler.Compilation compilation;
            try {
                compilation = compiler.compile(realPath, text);
            } catch (IOException e) {
                throw new ScriptException(realPath + ": compiler failed: " + e, e);
            } finally {
                running.decrementAndGet();
            }
            segment.countCompile();
            if (!compilation.success()) {
                LOG.warn("compile of {} failed in {} ms ({} running):{}", LogText.escape(realPath),
                        compilation.micros() / 1000, alongside, LogText.lines(compilation.diagnostics()));
                List<String> diagnostics = compilation.diagnostics().isEmpty()
                        ? List.of(realPath + ": declares no class") : compilation.diagnostics();
                throw new ScriptException(realPath + " does not compile", diagnostics);
            }
            long bytes = compilation.classes().stream().mapToLong(c -> c.bytes().length).sum();
            LOG.info("compiled {} in {} ms: {} classes, {} bytes ({} running)", LogText.escape(realPath),
                    compilation.micros() / 1000,
                    compilation.classes().size(), bytes, alongside);
            CRC32C hash = new CRC32C();
            hash.update(text);
            return new CompiledScript(compilation.classes(), hash.getValue(), compilation.micros());
        } finally {
            turns.release();
        }
    }

    private void acquireTurn(Path realPath) throws ScriptException {
        try {
            if (!turns.tryAcquire(waitMillis, TimeUnit.MILLISECONDS)) {
                throw new ScriptException(realPath + ": no compile turn within opcached.compile_timeout ("
                        + waitMillis / 1000 + " s; opcached.max_concurrent_compiles=" + maxTurns + " all busy)", List.of());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScriptException(realPath + ": interrupted while waiting for a compile turn", e);
        }
    }
}
