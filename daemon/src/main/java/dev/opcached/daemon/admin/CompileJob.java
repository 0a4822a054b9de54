package dev.opcached.daemon.admin;

import dev.opcached.daemon.compile.CompilerUnavailableException;
import dev.opcached.daemon.compile.FileOutcome;
import dev.opcached.daemon.compile.PoolCompiler;
import dev.opcached.protocol.admin.AdminMessages;
import dev.opcached.protocol.common.LogText;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code POST /compile}, its files already chosen: gives them to the pool's compiler in batches
 * and turns each file's outcome into a line as soon as the compiler reports it. Everything it knows
 * per path lives in this object, which nothing keeps once the call has answered.
 */
public final class CompileJob implements StreamedAnswer {
    private static final Logger LOG = LoggerFactory.getLogger(CompileJob.class);

    /** A file's line and the status it counts under. */
    private enum Line {
        COMPILED, CURRENT, FILE_CACHE, FAILED, NOT_CACHED, NOT_FOUND;

        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Line of(FileOutcome.Status status) {
            return valueOf(status.name());
        }
    }

    private final List<Path> files;
    private final List<AdminMessages.CompileFile> refused;
    private final Supplier<PoolCompiler> compiler;
    private final long batchDeadlineMillis;
    private final int batchFiles;
    private final EnumMap<Line, Integer> totals = new EnumMap<>(Line.class);
    private final List<AdminMessages.CompileFailure> failed = new ArrayList<>();
    /** The current batch's files reported so far (a compiler may report them from its own thread). */
    private final Set<String> reported = new HashSet<>();
    private Consumer<Object> lines;
    private int done;

    /**
     * @param files   real paths of regular .java files in the docroot, each once
     * @param refused lines of what was asked but is not compiled (outside the docroot, not a regular file, …)
     */
    CompileJob(List<Path> files, List<AdminMessages.CompileFile> refused, Supplier<PoolCompiler> compiler,
               long batchDeadlineMillis, int batchFiles) {
        this.files = files;
        this.refused = refused;
        this.compiler = compiler;
        this.batchDeadlineMillis = batchDeadlineMillis;
        this.batchFiles = batchFiles;
        for (Line line : Line.values()) {
            totals.put(line, 0);
        }
    }

    /** The number of file lines the answer has. */
    int lineCount() {
        return files.size() + refused.size();
    }

    /** Compiles every file; the lines are the start, one per file (refused ones first), and the summary, returned. */
    @Override
    public AdminMessages.CompileResponse produce(Consumer<Object> sink) {
        synchronized (this) {
            lines = sink;
        }
        sink.accept(new AdminMessages.CompileStart(lineCount()));
        for (AdminMessages.CompileFile line : refused) {
            report(line, Line.valueOf(line.status().toUpperCase(Locale.ROOT)));
        }
        LOG.info("compile: {} files in batches of at most {}", files.size(), batchFiles);
        for (int from = 0; from < files.size(); from += batchFiles) {
            compileBatch(files.subList(from, Math.min(files.size(), from + batchFiles)));
        }
        return summary();
    }

    private void compileBatch(List<Path> batch) {
        try {
            // Outcomes it returns without having reported them as they came get their line now.
            compiler.get().compile(batch, batchDeadlineMillis, this::outcome).forEach(this::outcome);
        } catch (CompilerUnavailableException | RuntimeException e) {
            // The files the compiler did not report get a line each; the next batch is still tried.
            LOG.warn("compile: a batch of {} files failed: {}", batch.size(), LogText.escape(e.toString()));
            String error = e instanceof CompilerUnavailableException ? e.getMessage() : "the compile failed: " + e;
            for (Path file : batch) {
                if (firstReport(file.toString())) {
                    report(new AdminMessages.CompileFile(file.toString(), Line.FAILED.wire(), error, null, List.of()),
                            Line.FAILED);
                }
            }
        } finally {
            endBatch();
        }
    }

    /** True the first time a file of the current batch is reported: one line per file, whoever reports it. */
    private synchronized boolean firstReport(String path) {
        return reported.add(path);
    }

    private synchronized void endBatch() {
        reported.clear();
    }

    /** {@link PoolCompiler.Progress}: one file's outcome, as soon as it is known. */
    private void outcome(FileOutcome outcome) {
        if (!firstReport(outcome.path())) {
            return;
        }
        Line line = Line.of(outcome.status());
        String first = outcome.diagnostics().isEmpty() ? null : outcome.diagnostics().get(0);
        report(switch (line) {
            case FAILED -> new AdminMessages.CompileFile(outcome.path(), line.wire(), "does not compile", null,
                    outcome.diagnostics());
            case NOT_FOUND -> new AdminMessages.CompileFile(outcome.path(), line.wire(), first == null ? "not found" : first,
                    null, List.of());
            case NOT_CACHED -> new AdminMessages.CompileFile(outcome.path(), line.wire(), null, first, List.of());
            default -> new AdminMessages.CompileFile(outcome.path(), line.wire(), null, null, List.of());
        }, line);
    }

    private synchronized void report(AdminMessages.CompileFile file, Line line) {
        done++;
        totals.merge(line, 1, Integer::sum);
        if (file.failed()) {
            failed.add(new AdminMessages.CompileFailure(file.path(), file.error(), file.diagnostics()));
        }
        lines.accept(file);
    }

    @Override
    public synchronized Object stillWorking() {
        return new AdminMessages.CompileProgress(done, lineCount());
    }

    private synchronized AdminMessages.CompileResponse summary() {
        Map<String, Integer> byStatus = new LinkedHashMap<>();
        totals.forEach((line, count) -> byStatus.put(line.wire(), count));
        int inSegment = totals.get(Line.COMPILED) + totals.get(Line.CURRENT) + totals.get(Line.FILE_CACHE);
        return new AdminMessages.CompileResponse(AdminMessages.COMPILE_SUMMARY, done, byStatus,
                inSegment + totals.get(Line.NOT_CACHED), inSegment, List.copyOf(failed));
    }
}
