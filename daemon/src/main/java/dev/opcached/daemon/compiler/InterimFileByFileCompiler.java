package dev.opcached.daemon.compiler;

import dev.opcached.daemon.compile.CompilerUnavailableException;
import dev.opcached.daemon.compile.FileOutcome;
import dev.opcached.daemon.compile.PoolCompiler;
import dev.opcached.daemon.runtime.CompileOutcome;
import dev.opcached.daemon.runtime.ScriptCompiler;
import dev.opcached.daemon.runtime.ScriptException;
import dev.opcached.daemon.runtime.ScriptRuntime;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentKey;
import dev.opcached.protocol.unit.CompileUnit;
import dev.opcached.protocol.unit.CompileUnitCodec;
import dev.opcached.protocol.unit.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The compiler process's engine until the batch engine replaces it: compiles the files of a batch
 * one by one, each through today's in-process path ({@link ScriptRuntime#compileIntoCache}, the
 * admin {@code /compile}'s), with its compile markers, so single flight stays the segment's. It
 * records no dependencies. A file the segment will not take (NOT_CACHED) is compiled a second
 * time with {@link ScriptCompiler} for its class files, since compileIntoCache keeps none; its
 * unit's key is {@link Sha256#NONE}: not a content key, so it can never be filed under one.
 */
public final class InterimFileByFileCompiler implements PoolCompiler {
    private final Segment segment;
    private final ScriptRuntime runtime;
    private final ScriptCompiler notCachedCompiler;

    /**
     * @param runtime           the compile path into {@code segment}
     * @param notCachedCompiler compiles NOT_CACHED files again for their classes
     */
    public InterimFileByFileCompiler(Segment segment, ScriptRuntime runtime, ScriptCompiler notCachedCompiler) {
        this.segment = segment;
        this.runtime = runtime;
        this.notCachedCompiler = notCachedCompiler;
    }

    @Override
    public List<FileOutcome> compile(List<Path> realPaths, long deadlineMillis, Progress progress)
            throws CompilerUnavailableException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(deadlineMillis);
        List<FileOutcome> outcomes = new ArrayList<>(realPaths.size());
        for (Path path : realPaths) {
            if (System.nanoTime() - deadline >= 0) {
                throw new CompilerUnavailableException("deadline of " + deadlineMillis + " ms passed after "
                        + outcomes.size() + " of " + realPaths.size() + " files");
            }
            FileOutcome outcome = compileOne(path);
            outcomes.add(outcome);
            progress.done(outcome);
        }
        return outcomes;
    }

    private FileOutcome compileOne(Path path) {
        long started = System.nanoTime();
        String name = path.toString();
        try {
            if (segment.peek(SegmentKey.of(name)) != null) {
                return new FileOutcome(name, FileOutcome.Status.CURRENT, List.of(), null, micros(started));
            }
            if (runtime.compileIntoCache(path) == CompileOutcome.CACHED) {
                return new FileOutcome(name, FileOutcome.Status.COMPILED, List.of(), null, micros(started));
            }
            return notCached(path, started);
        } catch (ScriptException e) {
            if (e.isNotFound()) {
                return new FileOutcome(name, FileOutcome.Status.NOT_FOUND, List.of(e.getMessage()), null, micros(started));
            }
            List<String> diagnostics = e.diagnostics().isEmpty() ? List.of(e.getMessage()) : e.diagnostics();
            return new FileOutcome(name, FileOutcome.Status.FAILED, diagnostics, null, micros(started));
        }
    }

    private FileOutcome notCached(Path path, long started) {
        String name = path.toString();
        try {
            byte[] text = Files.readAllBytes(path);
            ScriptCompiler.Compilation compilation = notCachedCompiler.compile(path, text);
            if (!compilation.success()) {
                // changed between the two compiles
                return new FileOutcome(name, FileOutcome.Status.FAILED, compilation.diagnostics(), null, micros(started));
            }
            CompileUnit unit = new CompileUnit(Sha256.of(text), Sha256.NONE, List.of(), compilation.classes());
            return new FileOutcome(name, FileOutcome.Status.NOT_CACHED,
                    List.of("compiled but not cached (blacklisted, too large, too new, or the cache is full)"),
                    CompileUnitCodec.encode(unit), micros(started));
        } catch (IOException e) {
            return new FileOutcome(name, FileOutcome.Status.NOT_FOUND, List.of(name + " cannot be read: " + e.getMessage()),
                    null, micros(started));
        }
    }

    private static long micros(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - startedNanos);
    }
}
