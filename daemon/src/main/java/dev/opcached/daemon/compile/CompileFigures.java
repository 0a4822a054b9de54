package dev.opcached.daemon.compile;

import dev.opcached.daemon.control.DurationHistogram;
import dev.opcached.daemon.control.ProcessFigures;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a compiling process counted of its javac batches: how many, how long each took, how many
 * sources they compiled and how many of those failed. The compiler process sends them to the
 * supervisor ({@code batches}, {@code sources}, {@code failures}, {@code compile_duration}).
 */
public final class CompileFigures {
    private final LongAdder batches = new LongAdder();
    private final LongAdder sources = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final DurationHistogram durations = new DurationHistogram(DurationHistogram.COMPILE_SECONDS);

    /** One javac batch of {@code compiled} sources (roots and the dependencies compiled with them), done in {@code micros}. */
    void batch(int compiled, long micros) {
        batches.increment();
        sources.add(compiled);
        durations.observe(micros * 1_000);
    }

    /** A source of a batch did not compile. */
    void failed() {
        failures.increment();
    }

    public ProcessFigures figures() {
        return new ProcessFigures(
                Map.of("batches", batches.sum(), "sources", sources.sum(), "failures", failures.sum()),
                Map.of("compile_duration", durations.snapshot()));
    }
}
