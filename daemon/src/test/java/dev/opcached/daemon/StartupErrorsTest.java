package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.protocol.testing.ChildJvm;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configuration problems found at start: exit 2 and a message that names the directive, the value and the fix. */
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
