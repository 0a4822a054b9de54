package dev.opcached.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import dev.opcached.protocol.testing.ChildJvm;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code status --watch} and {@code --all status} against real pools: refreshes with rates, on a
 * terminal and in a pipe and as ndjson, a pool that stops answering mid-watch, Ctrl-C, and the
 * one table of every pool.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpcachectlStatusWatchTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final String ESCAPE = "\u001b";

    private Path dir;
    private Path docroot;
    private TwoPools running;
    private PoolProcess www;
    private PoolProcess api;
    private Path pools;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        this.dir = dir;
        docroot = Files.createDirectories(dir.resolve("www"));
        Scripts.text(docroot, "hello", "hello");
        running = TwoPools.start(dir, docroot);
        www = running.www;
        api = running.api;
        pools = running.poolsFile(dir.resolve("pools.conf"));
    }

    @AfterAll
    void stop() throws Exception {
        if (running != null) {
            running.close();
        }
    }

    private static String[] at(PoolProcess pool, String... args) {
        List<String> all = new ArrayList<>(List.of("--url", pool.adminUrl(), "--token-file",
                pool.tokenFile().toString()));
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }

    @Test
    void inAPipeEachRefreshIsASnapshotUnderItsHeaderWithTheRatesSinceThePreviousOne() throws Exception {
        www.get("/hello.java");
        try (RunningWatch watch = new RunningWatch(false, at(www, "status", "--watch", "--interval", "0.2"))) {
            watch.await("Requests/s +- \\(from the next refresh on\\)");
            for (int i = 0; i < 5; i++) {
                assertThat(www.get("/hello.java").body()).isEqualTo("hello");
            }
            // The refresh after those requests counts them: a rate above zero, every one a hit.
            watch.await("(?m)^Requests/s +(?!0\\.0 )\\d+\\.\\d \\(over the last \\d+\\.\\d s\\)\\R"
                    + "Interval hit rate +100\\.00 %$");
            assertThat(watch.stop()).isZero();
            String out = watch.out();
            assertThat(out).doesNotContain(ESCAPE);
            assertThat(out).containsPattern("(?m)\\A--- opcachectl status " + Pattern.quote(www.adminUrl())
                    + ", every 0\\.2 s: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d ---$");
            // Every refresh is a whole status under its own header, a blank line before the next.
            String[] snapshots = out.split("\\R\\R(?=--- opcachectl status)");
            assertThat(snapshots.length).isGreaterThanOrEqualTo(2);
            for (String snapshot : snapshots) {
                assertThat(snapshot).startsWith("--- opcachectl status " + www.adminUrl() + ", every 0.2 s: ")
                        .contains("Memory used")
                        .containsPattern("(?m)^Hit rate ").containsPattern("(?m)^Worker worker-1 +pid \\d+")
                        .contains(www.segment().toString());
            }
        }
    }

    @Test
    void onATerminalEachRefreshIsDrawnOverThePreviousOne() {
        CliRun run = CliRun.of(Map.of(), true, at(www, "status", "--watch", "--interval", "0.2", "--count", "2"));
        assertThat(run.exitCode()).as(run.err()).isZero();
        String[] frames = run.out().split(Pattern.quote(ESCAPE + "[H"), -1);
        assertThat(frames).hasSize(3); // nothing before the first cursor-home, then two frames
        assertThat(frames[0]).isEmpty();
        for (String frame : List.of(frames[1], frames[2])) {
            assertThat(frame).startsWith("opcachectl status " + www.adminUrl() + ", every 0.2 s: ").endsWith(ESCAPE + "[J")
                    .contains("Memory used").containsPattern("(?m)^Requests/s ");
            // Each line clears what is left of the previous frame's longer line.
            assertThat(frame.substring(0, frame.length() - 3).lines()).allMatch(line -> line.endsWith(ESCAPE + "[K"));
        }
        assertThat(frames[1]).contains("(from the next refresh on)");
        assertThat(frames[2]).containsPattern("\\(over the last \\d+\\.\\d s\\)");
    }

    @Test
    void withJsonEachRefreshIsOneJsonLine() throws Exception {
        CliRun run = CliRun.of(Map.of(), true, at(www, "status", "--watch", "--json", "--interval", "0.2", "--count", "3"));
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).doesNotContain(ESCAPE);
        List<String> lines = run.out().lines().toList();
        assertThat(lines).hasSize(3);
        ObjectMapper mapper = new ObjectMapper();
        double previousTime = 0;
        for (int i = 0; i < lines.size(); i++) {
            JsonNode line = mapper.readTree(lines.get(i));
            assertThat(line.get("time").asDouble()).isGreaterThan(previousTime);
            previousTime = line.get("time").asDouble();
            assertThat(line.get("ok").asBoolean()).isTrue();
            assertThat(line.get("url").asText()).isEqualTo(www.adminUrl());
            assertThat(line.at("/result/segment/path").asText()).isEqualTo(www.segment().toString());
            assertThat(line.at("/result/opcache_statistics").has("hits")).isTrue();
            JsonNode interval = line.at("/rates/interval_seconds");
            assertThat(interval.isNull()).as("only the first refresh has no interval: " + line).isEqualTo(i == 0);
            if (i > 0) {
                assertThat(interval.asDouble()).isPositive();
                assertThat(line.at("/rates/requests_per_second").isNumber()).isTrue();
            }
        }
    }

    @Test
    void aPoolThatStopsAnsweringIsShownFailingAndAskedAgainUntilCtrlC() throws Exception {
        PoolProcess gone = PoolProcess.start(docroot, dir.resolve("shm"), "gone", 1, "opcache.file_update_protection=0");
        try (RunningWatch watch = new RunningWatch(false, at(gone, "status", "--watch", "--interval", "0.2"))) {
            watch.await("(?m)^Memory used ");
            gone.close();
            String failing = "(?m)^opcachectl: cannot reach the daemon at " + Pattern.quote(gone.adminUrl())
                    + "/: connection refused: is the pool running\\?.*\\R\\(asked again at every refresh\\)$";
            watch.await(failing);
            int first = watch.out().length();
            // The next refresh asks again (and fails again), and the watch goes on until it is stopped.
            watch.awaitAfter(first, failing);
            assertThat(watch.stop()).isZero();
            assertThat(watch.err()).isEmpty();
        } finally {
            gone.close();
        }
    }

    @Test
    void ctrlCEndsTheRealCommandWithExitZero() throws Exception {
        assumeTrue(!interruptIgnored(), "SIGINT is ignored by this test run (a background job), and so by its children");
        try (ChildJvm watch = ChildJvm.start(Opcachectl.class, at(www, "status", "--watch", "--interval", "0.2"))) {
            watch.awaitLine("^--- opcachectl status .*, every 0\\.2 s: ", DEADLINE);
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(watch.pid())).inheritIO().start();
            assertThat(kill.waitFor(30, TimeUnit.SECONDS) && kill.exitValue() == 0).isTrue();
            assertThat(watch.awaitExit(DEADLINE)).as(watch.output()).isZero();
        }
    }

    @Test
    void allStatusIsOneTableWithARowPerPool() throws Exception {
        www.get("/hello.java");
        www.get("/hello.java");
        CliRun run = CliRun.of("--config", pools.toString(), "--all", "status");
        assertThat(run.exitCode()).as(run.err()).isZero();
        List<String> lines = run.out().lines().toList();
        assertThat(lines).hasSize(3);
        String header = lines.get(0);
        assertThat(header).matches("POOL +URL +USED +FREE +WASTED +HIT RATE +SCRIPTS +KEYS +HITS +MISSES +WORKERS"
                + " +RESTARTS +COMPILES +OUTCOME");
        // Cells are two spaces or more apart (a size has one space inside).
        List<String> row = List.of(lines.get(1).split(" {2,}"));
        assertThat(row).hasSize(14);
        assertThat(row.subList(0, 2)).containsExactly("www", www.adminUrl());
        assertThat(row.subList(2, 5)).allMatch(size -> size.matches("\\d+(\\.\\d (KiB|MiB|GiB)| B)"));
        assertThat(row.get(5)).matches("\\d+\\.\\d\\d %");
        assertThat(row.get(6)).as("scripts").isEqualTo("1");
        assertThat(row.get(8)).as("hits").isEqualTo(Long.toString(www.statistics().hits()));
        assertThat(row.get(10)).as("workers alive of all").isEqualTo("1/1");
        assertThat(row.get(13)).isEqualTo("ok");
        assertThat(lines.get(2)).startsWith("api ").contains(api.adminUrl()).endsWith("  ok");
        // Aligned: every figure column ends where its header ends.
        for (String column : new String[] {"USED", "HIT RATE", "WORKERS", "COMPILES"}) {
            int end = header.indexOf(column) + column.length();
            for (String line : lines.subList(1, 3)) {
                assertThat(line.charAt(end - 1)).as(column + " in " + line).isNotEqualTo(' ');
                assertThat(line.charAt(end)).as(column + " in " + line).isEqualTo(' ');
            }
        }
    }

    @Test
    void aPoolThatFailsKeepsItsRowWithTheErrorAndTheExitCodeSaysSo() throws Exception {
        Path wrong = Files.writeString(dir.resolve("wrong.token"), "0".repeat(64));
        Path mixed = Files.writeString(dir.resolve("mixed.conf"), String.join("\n",
                "[www]", "url = " + www.adminUrl(), "token_file = " + www.tokenFile(),
                "[api]", "url = " + api.adminUrl(), "token_file = " + wrong, ""));
        CliRun run = CliRun.of("--config", mixed.toString(), "--all", "status");
        assertThat(run.exitCode()).isEqualTo(3);
        List<String> lines = run.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(1)).startsWith("www ").endsWith("  ok");
        assertThat(lines.get(2)).startsWith("api ").containsPattern("( +-){11}  failed \\(exit 3\\): the daemon at "
                + Pattern.quote(api.adminUrl()) + "/ refused the token \\(401\\)$");
        assertThat(run.err()).isEqualTo("[api] opcachectl: the daemon at " + api.adminUrl() + "/ refused the token (401)\n");

        CliRun json = CliRun.of("--config", mixed.toString(), "--all", "status", "--json");
        assertThat(json.exitCode()).isEqualTo(3);
    }

    @Test
    void allStatusWatchRefreshesTheTableWithRatesAndTheJsonKeepsTheAllShape() throws Exception {
        CliRun table = CliRun.of("--config", pools.toString(), "--all", "status", "--watch", "--interval", "0.2",
                "--count", "2");
        assertThat(table.exitCode()).as(table.err()).isZero();
        String[] snapshots = table.out().split("\\R\\R(?=--- )");
        assertThat(snapshots).hasSize(2);
        for (String snapshot : snapshots) {
            List<String> lines = snapshot.lines().toList();
            assertThat(lines.get(0)).startsWith("--- opcachectl --all status, every 0.2 s: ");
            assertThat(lines.get(1)).containsPattern("HIT RATE +REQ/S +INTERVAL HIT RATE +SCRIPTS");
            assertThat(lines.subList(2, lines.size())).hasSize(2).allMatch(line -> line.endsWith("  ok"));
        }
        assertThat(snapshots[0].lines().skip(2)).allMatch(line -> line.matches(".* - +- +\\d+ .*"));
        assertThat(snapshots[1].lines().skip(2)).allMatch(line -> line.matches(".* \\d+\\.\\d +(-|\\d+\\.\\d\\d %) +\\d+ .*"));

        CliRun json = CliRun.of("--config", pools.toString(), "--all", "status", "--watch", "--json", "--interval", "0.2",
                "--count", "2");
        assertThat(json.exitCode()).as(json.err()).isZero();
        List<String> lines = json.out().lines().toList();
        assertThat(lines).hasSize(2);
        JsonNode last = new ObjectMapper().readTree(lines.get(1));
        assertThat(last.has("time")).isTrue();
        assertThat(last.get("pools")).extracting(pool -> pool.get("name").asText()).containsExactly("www", "api");
        assertThat(last.at("/pools/1/result/segment/path").asText()).isEqualTo(api.segment().toString());
        assertThat(last.at("/pools/0/rates/interval_seconds").asDouble()).isPositive();
    }

    /** Whether this JVM was started with SIGINT ignored (its children then ignore it too). */
    private static boolean interruptIgnored() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & (1L << 1)) != 0;
            }
        }
        return false;
    }

    /** A watch running on a thread of its own, its output read while it runs, stopped as Ctrl-C would. */
    private static final class RunningWatch implements AutoCloseable {
        private final StringWriter out = new StringWriter();
        private final StringWriter err = new StringWriter();
        private final WatchStop stop = WatchStop.byCall();
        private final CompletableFuture<Integer> exit;

        RunningWatch(boolean terminal, String... args) {
            exit = CompletableFuture.supplyAsync(() -> CliRun.run(Map.of(), terminal, stop, out, err, args),
                    task -> new Thread(task, "watch").start());
        }

        String out() {
            return out.toString();
        }

        String err() {
            return err.toString();
        }

        /** Waits until the output matches {@code regex}. */
        Matcher await(String regex) throws Exception {
            return awaitAfter(0, regex);
        }

        /** Waits until the output from {@code from} on matches {@code regex}. */
        Matcher awaitAfter(int from, String regex) throws Exception {
            Pattern pattern = Pattern.compile(regex);
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (true) {
                Matcher matcher = pattern.matcher(out().substring(from));
                if (matcher.find()) {
                    return matcher;
                }
                if (exit.isDone()) {
                    throw new IllegalStateException("the watch ended with " + exit.get() + " before /" + regex + "/:\n"
                            + out() + err());
                }
                if (System.nanoTime() - deadline >= 0) {
                    throw new TimeoutException("no /" + regex + "/ within " + DEADLINE + ":\n" + out() + err());
                }
                Thread.sleep(20);
            }
        }

        /** Stops the watch as Ctrl-C does and returns its exit code. */
        int stop() throws Exception {
            stop.request();
            return exit.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        }

        @Override
        public void close() throws Exception {
            if (!exit.isDone()) {
                stop();
            }
        }
    }
}
