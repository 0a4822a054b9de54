package dev.opcached.daemon.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The figures a process sends on the report pipe, and the histogram they carry. */
class ProcessFiguresTest {
    @Test
    void durationsFallIntoTheFirstBucketWhoseBoundTheyDoNotExceed() {
        DurationHistogram histogram = new DurationHistogram(new double[] {0.001, 0.01});
        histogram.observe(1_000_000);      // exactly 1 ms: the first bucket (le="0.001")
        histogram.observe(1_000_001);      // just over: the second
        histogram.observe(20_000_000);     // 20 ms: +Inf
        histogram.observe(-5);             // a clock that went back: 0
        DurationHistogram.Counts counts = histogram.snapshot();
        assertThat(counts.buckets()).containsExactly(2, 1, 1);
        assertThat(counts.count()).isEqualTo(4);
        assertThat(counts.sumMicros()).isEqualTo(22_000);
    }

    @Test
    void figuresTravelAsOneReportLineAndBack() {
        DurationHistogram histogram = new DurationHistogram(DurationHistogram.REQUEST_SECONDS);
        histogram.observe(3_000_000);
        ProcessFigures figures = new ProcessFigures(Map.of("requests", 42L), Map.of("request_duration", histogram.snapshot()));
        WorkerReport report = WorkerReport.parse(figures.report().line());
        assertThat(report.kind()).isEqualTo(WorkerReport.Kind.FIGURES);
        ProcessFigures parsed = ProcessFigures.parse(report.detail());
        assertThat(parsed).isEqualTo(figures);
        assertThat(parsed.counter("requests")).isEqualTo(42);
        assertThat(parsed.counter("absent")).isZero();
        assertThat(parsed.histogram("request_duration").count()).isEqualTo(1);
    }

    @Test
    void malformedPairsAreLeftOutAndTheRestKept() {
        ProcessFigures parsed = ProcessFigures.parse("requests=7 =3 Bad=1 negative=-2 words=many h=1/2,x k=12/1,2,3 lone");
        assertThat(parsed.counters()).containsOnlyKeys("requests");
        assertThat(parsed.histograms()).containsOnlyKeys("k");
        assertThat(parsed.histogram("k").buckets()).containsExactly(1, 2, 3);
    }

    @Test
    void anExitedProcessesFiguresAddUpWithItsSuccessors() {
        ProcessFigures first = ProcessFigures.parse("requests=10 request_duration=100/1,2");
        ProcessFigures second = ProcessFigures.parse("requests=5 request_duration=50/3,0");
        ProcessFigures sum = first.plus(second);
        assertThat(sum.counter("requests")).isEqualTo(15);
        assertThat(sum.histogram("request_duration")).isEqualTo(new DurationHistogram.Counts(new long[] {4, 2}, 150));
        assertThat(ProcessFigures.NONE.plus(first)).isEqualTo(first);
    }
}
