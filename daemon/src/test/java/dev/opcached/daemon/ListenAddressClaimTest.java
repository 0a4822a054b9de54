package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import dev.opcached.protocol.testing.ChildJvm;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One listen port, one pool: a second pool on the same port is refused, however it is timed and whatever its address. */
class ListenAddressClaimTest {
    private static final String READY = "pool \\S+ ready: segment ";
    private static final String REFUSED = "opcached: listen=127.0.0.1:%1$d is refused: port %1$d is claimed by another pool"
            + " \\(supervisor pid (\\d+), listen=127.0.0.1:%1$d\\)";

    @TempDir
    Path dir;

    private ChildJvm start(String pool, int port) throws Exception {
        return start(pool, "127.0.0.1", port);
    }

    private ChildJvm start(String pool, String host, int port) throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        return ChildJvm.start(Opcached.class, "--pool", pool, "--segment-dir", dir.resolve("shm-" + pool).toString(),
                "--docroot", docroot.toString(), "--workers", "1", "--listen", host + ":" + port,
                "--admin-listen", "127.0.0.1:0", "--state-dir", dir.resolve("state").toString(),
                "-d", "opcache.memory_consumption=8", "-d", "opcache.max_accelerated_files=200");
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void twoPoolsStartedTogetherOnOnePortOneServesTheOtherIsRefused() throws Exception {
        int port = freePort();
        try (ChildJvm a = start("a", port); ChildJvm b = start("b", port)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (a.process().isAlive() && b.process().isAlive()) {
                assertThat(System.nanoTime() - deadline).as("one of the two exits").isNegative();
                Thread.sleep(10);
            }
            ChildJvm refused = a.process().isAlive() ? b : a;
            ChildJvm serving = refused == a ? b : a;
            assertThat(refused.awaitExit(Duration.ofSeconds(30))).as(refused.output()).isEqualTo(2);
            Matcher message = Pattern.compile(String.format(REFUSED, port)).matcher(refused.output());
            assertThat(message.find()).as(refused.output()).isTrue();
            assertThat(Long.parseLong(message.group(1))).isEqualTo(serving.pid());
            assertThat(refused.output()).doesNotContain("\tat ");
            serving.awaitLine(READY, Duration.ofSeconds(60));
            assertThat(serving.process().isAlive()).isTrue();
        }
    }

    @Test
    void aPoolOnTheWildcardAddressOfAnotherPoolsPortIsRefused() throws Exception {
        int port = freePort();
        try (ChildJvm loopback = start("loopback", port)) {
            loopback.awaitLine(READY, Duration.ofSeconds(60));
            // SO_REUSEPORT would let it bind, and the loopback pool would then get all of localhost's connections.
            try (ChildJvm wildcard = start("wildcard", "0.0.0.0", port)) {
                assertThat(wildcard.awaitExit(Duration.ofSeconds(60))).as(wildcard.output()).isEqualTo(2);
                assertThat(wildcard.output()).contains("opcached: listen=0.0.0.0:" + port + " is refused: port " + port
                        + " is claimed by another pool (supervisor pid " + loopback.pid() + ", listen=127.0.0.1:" + port + ")")
                        .contains("a port serves one pool, whatever the addresses")
                        .doesNotContain("\tat ");
            }
            assertThat(loopback.process().isAlive()).isTrue();
        }
    }

    @Test
    void secondPoolStartedWhileTheFirstReplacesItsWorkerIsRefused() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Scripts.text(docroot, "hello", "hello");
        try (PoolProcess first = PoolProcess.start(docroot, dir.resolve("shm"), "first", 1)) {
            long worker = Long.parseLong(first.supervisor().awaitLine("worker-1 started, pid (\\d+)", Duration.ofSeconds(5))
                    .group(1));
            // Nothing listens on the port until the replacement has started: a plain bind would pass.
            ProcessHandle.of(worker).orElseThrow().destroyForcibly();
            try (ChildJvm second = start("second", first.port())) {
                assertThat(second.awaitExit(Duration.ofSeconds(60))).as(second.output()).isEqualTo(2);
                assertThat(second.output()).containsPattern(String.format(REFUSED, first.port()))
                        .contains("supervisor pid " + first.supervisor().pid());
            }
            first.supervisor().awaitLine("worker-1 \\(pid " + worker + "\\) died", Duration.ofSeconds(30));
            first.supervisor().awaitLine("(?s)(worker-1 \\(pid \\d+\\) ready.*){2}", Duration.ofSeconds(60));
            assertThat(first.get("/hello.java").body()).isEqualTo("hello");
            assertThat(first.count("pool first ready")).isEqualTo(1);
        }
    }
}
