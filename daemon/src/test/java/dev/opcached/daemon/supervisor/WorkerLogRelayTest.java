package dev.opcached.daemon.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What the supervisor passes on of a worker's stderr. */
class WorkerLogRelayTest {
    @Test
    void logLinesPassWholeAndTheJdkSecurityManagerNoticeIsDropped() {
        String worker = """
                2026-12-01T10:00:00.000Z INFO  [42 worker-1] d.o.d.w.WorkerMain - starting
                WARNING: A terminally deprecated method in java.lang.System has been called
                WARNING: System::setSecurityManager has been called by dev.opcached.daemon.runtime.ScriptExitGuard (file:/x/)
                WARNING: Please consider reporting this to the maintainers of dev.opcached.daemon.runtime.ScriptExitGuard
                WARNING: System::setSecurityManager will be removed in a future release
                WARNING: something else the JVM says
                2026-12-01T10:00:00.100Z INFO  [42 worker-1] d.o.d.w.WorkerMain - serving
                no newline at the end""";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WorkerLogRelay.relay(new ByteArrayInputStream(worker.getBytes(StandardCharsets.UTF_8)), out);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("""
                2026-12-01T10:00:00.000Z INFO  [42 worker-1] d.o.d.w.WorkerMain - starting
                WARNING: something else the JVM says
                2026-12-01T10:00:00.100Z INFO  [42 worker-1] d.o.d.w.WorkerMain - serving
                no newline at the end""");
    }
}
