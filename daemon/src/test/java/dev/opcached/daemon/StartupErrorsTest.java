package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.opcached.protocol.testing.ChildJvm;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Configuration problems found at start: exit 2 and a message that names the directive, the value
 * and the fix. The segment too large for its file system needs root (a tmpfs of 2 MiB is mounted
 * for it) and is skipped otherwise.
 */
class StartupErrorsTest {
    @TempDir
    Path dir;

    @Test
    void busyAdminPortNamesTheDirectiveAndExitsTwo() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        try (ServerSocket busy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             ChildJvm supervisor = ChildJvm.start(Opcached.class, "--pool", "busy", "--segment-dir",
                     dir.resolve("shm").toString(), "--docroot", docroot.toString(), "--workers", "1",
                     "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:" + busy.getLocalPort(),
                     "--state-dir", dir.resolve("state").toString(), "-d", "opcache.memory_consumption=8")) {
            assertThat(supervisor.awaitExit(Duration.ofSeconds(60))).as(supervisor.output()).isEqualTo(2);
            assertThat(supervisor.output())
                    .contains("opcached: opcached.admin_listen=127.0.0.1:" + busy.getLocalPort() + " cannot be bound (")
                    .contains("give this pool a free address with opcached.admin_listen")
                    .doesNotContain("\tat ")
                    .doesNotContain("worker-1 started");
            try (var segments = Files.list(dir.resolve("shm"))) {
                assertThat(segments).as("the segment made before the bind is deleted").isEmpty();
            }
        }
    }

    @Test
    void aSegmentLargerThanItsFileSystemsFreeSpaceNamesTheDirectivesAndExitsTwo() throws Exception {
        Path small = Files.createDirectories(dir.resolve("small"));
        String mounted = run("mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", small.toString());
        assumeTrue(mounted.isEmpty(), () -> "skipped: a 2 MiB file system for the segment needs root and"
                + " mount -t tmpfs, which said: " + mounted);
        try {
            Path docroot = Files.createDirectories(dir.resolve("www"));
            try (ChildJvm supervisor = ChildJvm.start(Opcached.class, "--pool", "small", "--segment-dir", small.toString(),
                    "--docroot", docroot.toString(), "--workers", "1", "--listen", "127.0.0.1:0",
                    "--admin-listen", "127.0.0.1:0", "--state-dir", dir.resolve("state").toString(),
                    "-d", "opcache.memory_consumption=8")) {
                assertThat(supervisor.awaitExit(Duration.ofSeconds(60))).as(supervisor.output()).isEqualTo(2);
                assertThat(supervisor.output())
                        .containsPattern("opcached: opcache\\.memory_consumption=8 \\(MiB\\) does not fit in"
                                + " opcached\\.segment_dir=\\Q" + small + "\\E: its file system has [12] MiB free;"
                                + " lower opcache\\.memory_consumption, free space there, or choose another opcached\\.segment_dir")
                        .doesNotContain("\tat ")
                        .doesNotContain("worker-1 started");
                try (var segments = Files.list(small)) {
                    assertThat(segments.filter(file -> file.toString().endsWith(".seg")))
                            .as("no segment is left half made").isEmpty();
                }
            }
        } finally {
            assertThat(run("umount", small.toString())).as("umount " + small).isEmpty();
        }
    }

    /** Runs {@code command}: its output when it failed, "" when it succeeded. */
    private static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
        return process.exitValue() == 0 ? "" : "exit " + process.exitValue() + (output.isEmpty() ? "" : ": " + output);
    }

    @Test
    void aMissingRedisCaFileNamesTheDirectiveAndExitsTwo() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Path missing = dir.resolve("redis-ca.crt");
        try (ChildJvm supervisor = ChildJvm.start(Opcached.class, "--pool", "tls", "--segment-dir",
                dir.resolve("shm").toString(), "--docroot", docroot.toString(), "--workers", "1",
                "--listen", "127.0.0.1:0", "--state-dir", dir.resolve("state").toString(), "-d", "opcache.memory_consumption=8",
                "-d", "opcached.redis_url=rediss://127.0.0.1:6380", "-d", "opcached.redis_tls_ca_file=" + missing)) {
            assertThat(supervisor.awaitExit(Duration.ofSeconds(60))).as(supervisor.output()).isEqualTo(2);
            assertThat(supervisor.output())
                    .contains("opcached: opcached.redis_tls_ca_file=" + missing + " does not exist")
                    .doesNotContain("\tat ")
                    .doesNotContain("worker-1 started");
        }
    }
}
