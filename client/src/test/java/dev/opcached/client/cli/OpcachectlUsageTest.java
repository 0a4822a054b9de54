package dev.opcached.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.protocol.config.Defaults;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing, help and the exit codes that need no daemon. */
class OpcachectlUsageTest {
    @TempDir
    Path dir;

    @Test
    void helpListsEveryCommandAndTheExitCodes() {
        CliRun run = CliRun.of("--help");
        assertThat(run.exitCode()).isZero();
        for (String command : new String[] {"status", "scripts", "reset", "invalidate", "compile", "config", "stat-clear",
                "completion"}) {
            assertThat(run.out()).contains(command);
        }
        assertThat(run.out()).contains("4   the daemon could not be reached");
        assertThat(CliRun.of("invalidate", "--help").out()).contains("--prefix").contains("--force");
        assertThat(CliRun.of("--version").out()).contains("opcachectl " + Defaults.VERSION);
    }

    @Test
    void usageErrorsExitTwoWithOneLine() {
        assertThat(CliRun.of().exitCode()).isEqualTo(2);
        CliRun unknown = CliRun.of("frobnicate");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("Unmatched argument");
        CliRun neither = CliRun.of("invalidate");
        assertThat(neither.exitCode()).isEqualTo(2);
        assertThat(neither.err()).contains("give PATH... or --prefix P");
        assertThat(CliRun.of("scripts", "--sort", "size").exitCode()).isEqualTo(2);
        assertThat(CliRun.of("scripts", "--filter", "(").err()).contains("--filter");
        assertThat(CliRun.of("--url", "ftp://x", "status").exitCode()).isEqualTo(2);
        assertThat(CliRun.of("--pool", "www", "--config", dir.resolve("none.conf").toString(), "status").exitCode()).isEqualTo(2);
    }

    @Test
    void unreachableDaemonExitsFourAndMissingTokenThree() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "x");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        CliRun down = CliRun.of("--url", "http://127.0.0.1:" + port, "--token-file", token.toString(), "status");
        assertThat(down.exitCode()).isEqualTo(4);
        assertThat(down.err()).startsWith("opcachectl: cannot reach the daemon at http://127.0.0.1:" + port)
                .doesNotContain("\tat ");
        assertThat(down.err().lines()).hasSize(1);
        CliRun noToken = CliRun.of(Map.of("OPCACHED_URL", "http://127.0.0.1:" + port,
                "OPCACHED_TOKEN_FILE", dir.resolve("absent").toString()), "reset");
        assertThat(noToken.exitCode()).isEqualTo(3);
        assertThat(noToken.err()).contains("token file " + dir.resolve("absent") + " does not exist");
        CliRun verbose = CliRun.of("--url", "http://127.0.0.1:" + port, "--token-file", token.toString(), "--verbose", "status");
        assertThat(verbose.err()).contains("\tat ");
    }

    @Test
    void completionPrintsABashScript() {
        CliRun run = CliRun.of("completion");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("complete -F").contains("opcachectl").contains("stat-clear")
                .contains("--watch").contains("--interval").contains("--count");
    }

    @Test
    void aWatchsBadIntervalOrCountIsAUsageErrorThatNamesTheValue() {
        for (String bad : new String[] {"0", "0.05", "3601", "abc", "NaN", "-2"}) {
            CliRun run = CliRun.of("status", "--watch", "--interval", bad);
            assertThat(run.exitCode()).as(bad).isEqualTo(2);
            assertThat(run.err()).as(bad).contains("--interval must be a number of seconds from 0.1 to 3600, got '" + bad + "'");
        }
        CliRun count = CliRun.of("status", "--watch", "--count", "0");
        assertThat(count.exitCode()).isEqualTo(2);
        assertThat(count.err()).contains("--count must be at least 1, got 0");
        CliRun alone = CliRun.of("status", "--interval", "1");
        assertThat(alone.exitCode()).isEqualTo(2);
        assertThat(alone.err()).contains("--interval needs --watch");
        CliRun segment = CliRun.of("status", "--watch", "--segment", dir.resolve("x.seg").toString());
        assertThat(segment.exitCode()).isEqualTo(2);
        assertThat(segment.err()).contains("--watch cannot be combined with --segment");
        assertThat(CliRun.of("status", "--help").out()).contains("--watch").contains("--interval=SECONDS")
                .contains("--count=N");
    }
}
