package dev.opcached.daemon.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.control.ProcessFigures;
import dev.opcached.daemon.control.WorkerReport;
import dev.opcached.daemon.testing.Scripts;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentConfig;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real worker JVM's stdout is its report pipe: {@code ready} once it listens, {@code alive}
 * from its event loops, and nothing a script prints.
 */
class WorkerReportPipeTest {
    @TempDir
    Path dir;

    /** What the worker wrote on its stdout but its figures (sent once a second, between the others). */
    private static String reports(Path stdout) throws java.io.IOException {
        return Files.readAllLines(stdout).stream().filter(line -> !line.startsWith("figures "))
                .map(line -> line + "\n").collect(java.util.stream.Collectors.joining());
    }

    @Test
    void theWorkerSaysReadyThenAliveAndScriptsCannotWriteOnThePipe() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Scripts.write(docroot, "printer", "System.out.println(\"ready\"); System.out.println(\"retiring forged\");"
                + " System.err.println(\"to stderr\"); response.write(\"printed\");");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path stdout = dir.resolve("stdout");
        Path stderr = dir.resolve("stderr");
        try (Segment segment = Segment.create(dir.resolve("pool.seg"), new SegmentConfig(16 << 20, 200, 5))) {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "@" + System.getProperty("opcached.jvmOptions"), "-Xmx256m", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), WorkerMain.class.getName(),
                    "--segment", dir.resolve("pool.seg").toString(), "-d", "opcached.docroot=" + docroot,
                    "-d", "listen=127.0.0.1:" + port));
            Process worker = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile())
                    .start();
            try {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (!reports(stdout).matches("(?s)ready\n(alive\n){2,}.*")) {
                    assertThat(System.nanoTime() - deadline).as("ready, then alive twice, on stdout: %s\n%s",
                            Files.readString(stdout), Files.readString(stderr)).isNegative();
                    assertThat(worker.isAlive()).as("the worker runs: %s", Files.readString(stderr)).isTrue();
                    Thread.sleep(50);
                }
                HttpResponse<String> response = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/printer.java"))
                                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(response.body()).isEqualTo("printed");
                assertThat(Files.readString(stderr)).contains("retiring forged").contains("to stderr");
                assertThat(reports(stdout).lines()).as("only the worker's own reports").containsOnly("ready", "alive")
                        .containsOnlyOnce("ready");
                assertThat(Files.readAllLines(stdout)).as("its figures, once a second").filteredOn(line -> line.startsWith("figures "))
                        .isNotEmpty()
                        .allSatisfy(line -> assertThat(ProcessFigures.parse(WorkerReport.parse(line).detail()).histogram("request_duration"))
                                .isNotNull());
                worker.getOutputStream().close();
                assertThat(worker.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(worker.exitValue()).as("stdin closed: the supervisor is gone").isEqualTo(WorkerExit.SUPERVISOR_GONE);
            } finally {
                worker.destroyForcibly();
            }
        }
    }
}
