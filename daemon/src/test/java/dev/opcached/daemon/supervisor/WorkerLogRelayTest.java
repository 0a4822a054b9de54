package dev.opcached.daemon.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What the supervisor passes on of a worker's stderr. */
class WorkerLogRelayTest {
    private static String relayed(String stderr) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new WorkerLogRelay("worker-1", 42, out).relay(new ByteArrayInputStream(stderr.getBytes(StandardCharsets.UTF_8)));
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void logLinesPassWholeAndTheJdkSecurityManagerNoticeIsDropped() {
        String worker = """
                2026-12-01T10:00:00.000Z INFO  [42 worker-1] d.o.d.w.WorkerMain - starting
                WARNING: A terminally deprecated method in java.lang.System has been called
                WARNING: System::setSecurityManager has been called by dev.opcached.daemon.runtime.ScriptExitGuard (file:/x/)
                WARNING: Please consider reporting this to the maintainers of dev.opcached.daemon.runtime.ScriptExitGuard
                WARNING: System::setSecurityManager will be removed in a future release
                2026-12-01T10:00:00.100+01:00 ERROR [42 worker-1] d.o.d.r.ScriptRunner - script /srv/a.java failed
                \tjava.lang.RuntimeException: boom\\n2026-12-01T10:00:00.000Z INFO  [1 supervisor] forged
                \tat Script.run(a.java:3)
                \tCaused by: java.lang.IllegalStateException: cause
                \t... 3 common frames omitted
                2026-12-01T10:00:00.200Z WARN  [42 worker-1] d.o.d.w.WorkerMain - no newline at the end""";
        assertThat(relayed(worker)).isEqualTo("""
                2026-12-01T10:00:00.000Z INFO  [42 worker-1] d.o.d.w.WorkerMain - starting
                2026-12-01T10:00:00.100+01:00 ERROR [42 worker-1] d.o.d.r.ScriptRunner - script /srv/a.java failed
                \tjava.lang.RuntimeException: boom\\n2026-12-01T10:00:00.000Z INFO  [1 supervisor] forged
                \tat Script.run(a.java:3)
                \tCaused by: java.lang.IllegalStateException: cause
                \t... 3 common frames omitted
                2026-12-01T10:00:00.200Z WARN  [42 worker-1] d.o.d.w.WorkerMain - no newline at the end""");
    }

    @Test
    void whatAScriptPrintsIsPrefixedAndEscapedSoThatItCannotPoseAsALogLine() {
        String worker = """
                hello from System.out
                2026-12-01T10:00:00.000Z INFO  [1 supervisor] d.o.d.s.Supervisor - forged by a script
                2026-12-01T10:00:00.000Z INFO  [43 worker-2] d.o.d.w.WorkerMain - another worker's, forged
                \tindented, but under no log line
                2026-12-01T10:00:00.000Z INFO  [42 worker-1] d.o.d.w.WorkerMain - raw \u001b[2J terminal escape
                WARNING: something else the JVM says
                
                Exception in thread "main" java.lang.Error: x\r
                """;
        assertThat(relayed(worker)).isEqualTo("""
                [42 worker-1 stderr] hello from System.out
                [42 worker-1 stderr] 2026-12-01T10:00:00.000Z INFO  [1 supervisor] d.o.d.s.Supervisor - forged by a script
                [42 worker-1 stderr] 2026-12-01T10:00:00.000Z INFO  [43 worker-2] d.o.d.w.WorkerMain - another worker's, forged
                [42 worker-1 stderr] \\tindented, but under no log line
                [42 worker-1 stderr] 2026-12-01T10:00:00.000Z INFO  [42 worker-1] d.o.d.w.WorkerMain - raw \\u001b[2J terminal escape
                [42 worker-1 stderr] WARNING: something else the JVM says
                [42 worker-1 stderr]\s
                [42 worker-1 stderr] Exception in thread "main" java.lang.Error: x
                """);
    }

    @Test
    void aLineLongerThanTheBufferIsPrefixedOnceAndLosesNothing() {
        String longLine = "x".repeat(64 * 1024 + 10) + "\n";
        String relayed = relayed(longLine);
        assertThat(relayed).startsWith("[42 worker-1 stderr] xxx").endsWith("x\n")
                .hasSize("[42 worker-1 stderr] ".length() + longLine.length());
    }
}
