package dev.opcached.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --all reset / invalidate / compile / stat-clear / status} over a fleet's pools file:
 * two real pools and a third whose port is closed (a host that is down). Each command makes one
 * table, a row per pool; the live pools are done whatever happened to the dead one, which keeps
 * its row, is named on stderr and sets the exit code; {@code --json} keeps the --all document.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpcachectlFleetTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path dir;
    private Path docroot;
    private TwoPools pools;
    private PoolProcess www;
    private PoolProcess api;
    private String goneUrl;
    private Path fleet;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        this.dir = dir;
        docroot = Files.createDirectories(dir.resolve("www"));
        Scripts.text(docroot, "hello", "hello");
        Files.writeString(Files.createDirectories(docroot.resolve("lib")).resolve("Page.java"),
                "package lib;\npublic class Page { public static String title() { return \"page\"; } }\n");
        Files.writeString(docroot.resolve("page.java"), "import dev.opcached.script.*;\nimport lib.*;\n"
                + "public class page implements Script {\n"
                + "    public void handle(Request request, Response response) throws Exception {\n"
                + "        response.write(Page.title());\n    }\n}\n");
        pools = TwoPools.start(dir, docroot);
        www = pools.www;
        api = pools.api;
        goneUrl = "http://127.0.0.1:" + closedPort();
        fleet = pools.poolsFile(dir.resolve("fleet.conf"), "[gone]", "url = " + goneUrl, "token_file = " + www.tokenFile());
    }

    @AfterAll
    void stop() throws Exception {
        if (pools != null) {
            pools.close();
        }
    }

    /** A port nothing listens on: the host of that pool is down. */
    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private CliRun all(String... args) {
        String[] full = new String[args.length + 3];
        full[0] = "--config";
        full[1] = fleet.toString();
        full[2] = "--all";
        System.arraycopy(args, 0, full, 3, args.length);
        return CliRun.of(full);
    }

    /** A row's cells: they are two spaces or more apart (an error has single spaces inside). */
    private static List<String> cells(String line) {
        return List.of(line.split(" {2,}"));
    }

    /** The row of the pool that is down: "-" for every figure, then why. */
    private String goneRow(int figures) {
        return "gone +" + Pattern.quote(goneUrl) + "( +-){" + figures + "}  failed \\(exit 4\\): cannot reach the daemon at "
                + Pattern.quote(goneUrl) + "/: connection refused: is the pool running\\?.*";
    }

    /** The one stderr line of the pool that is down. */
    private String goneError() {
        return "[gone] opcachectl: cannot reach the daemon at " + goneUrl + "/: connection refused: is the pool running?";
    }

    @Test
    void resetIsOneTableWithEachPoolsNewGenerationAndTheDeadHostFailsItsRowAndTheExitCode() throws Exception {
        long wwwGeneration = www.statistics().generation();
        long wwwRestarts = www.statistics().manualRestarts();
        long apiRestarts = api.statistics().manualRestarts();

        CliRun run = all("reset");

        assertThat(run.exitCode()).as("the worst pool's: unreachable").isEqualTo(4);
        List<String> lines = run.out().lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).matches("POOL +URL +GENERATION +MANUAL RESTARTS +COMPILED FIRST +OUTCOME");
        List<String> wwwRow = cells(lines.get(1));
        assertThat(wwwRow).hasSize(6);
        assertThat(wwwRow.subList(0, 4)).containsExactly("www", www.adminUrl(), Long.toString(wwwGeneration + 1),
                Long.toString(wwwRestarts + 1));
        assertThat(wwwRow.get(4)).as("compiled first").matches("\\d+");
        assertThat(wwwRow.get(5)).isEqualTo("ok");
        List<String> apiRow = cells(lines.get(2));
        assertThat(apiRow).hasSize(6).startsWith("api", api.adminUrl()).endsWith("ok");
        assertThat(apiRow.get(3)).as("manual restarts").isEqualTo(Long.toString(apiRestarts + 1));
        assertThat(lines.get(3)).matches(goneRow(3));
        // The dead host stopped nobody: both live pools were reset.
        assertThat(www.statistics().manualRestarts()).isEqualTo(wwwRestarts + 1);
        assertThat(api.statistics().manualRestarts()).isEqualTo(apiRestarts + 1);
        assertThat(run.err().lines()).hasSize(1).first().asString().startsWith(goneError());
    }

    @Test
    void resetWithJsonIsTheAllDocumentOfEachPoolsAnswer() throws Exception {
        CliRun run = all("reset", "--json");

        assertThat(run.exitCode()).isEqualTo(4);
        assertThat(run.out().lines()).as("one document").hasSize(1);
        JsonNode document = JSON.readTree(run.out());
        assertThat(document.get("pools")).extracting(pool -> pool.get("name").asText()).containsExactly("www", "api", "gone");
        JsonNode first = document.at("/pools/0");
        assertThat(first.get("url").asText()).isEqualTo(www.adminUrl());
        assertThat(first.get("ok").asBoolean()).isTrue();
        assertThat(first.get("exit_code").asInt()).isZero();
        assertThat(first.at("/result/generation").asLong()).isEqualTo(www.statistics().generation());
        assertThat(first.at("/result/manual_restarts").asLong()).isEqualTo(www.statistics().manualRestarts());
        assertThat(document.at("/pools/1/result/generation").asLong()).isEqualTo(api.statistics().generation());
        JsonNode gone = document.at("/pools/2");
        assertThat(gone.get("ok").asBoolean()).isFalse();
        assertThat(gone.get("exit_code").asInt()).isEqualTo(4);
        assertThat(gone.get("error").asText()).startsWith("cannot reach the daemon at " + goneUrl + "/: connection refused");
        assertThat(gone.has("result")).isFalse();
        assertThat(run.err()).startsWith(goneError());
    }

    @Test
    void invalidateCountsWhatWentAndWhatWasCompiledAgainstItInEachPool() throws Exception {
        for (PoolProcess pool : List.of(www, api)) {
            assertThat(pool.get("/hello.java").body()).isEqualTo("hello");
            assertThat(pool.get("/page.java").body()).isEqualTo("page");
        }
        String hello = docroot.resolve("hello.java").toRealPath().toString();
        String page = docroot.resolve("page.java").toRealPath().toString();
        String lib = docroot.resolve("lib/Page.java").toRealPath().toString();

        CliRun run = all("invalidate", "--force", hello, lib);

        assertThat(run.exitCode()).isEqualTo(4);
        List<String> lines = run.out().lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).matches("POOL +URL +INVALIDATED +DEPENDENTS +OUTCOME");
        // Invalidated: hello.java and lib/Page.java (a unit of its own in the segment, which page.java
        // needs to run); dependent: page.java, compiled against lib/Page.java.
        assertThat(cells(lines.get(1))).containsExactly("www", www.adminUrl(), "2", "1", "ok");
        assertThat(cells(lines.get(2))).containsExactly("api", api.adminUrl(), "2", "1", "ok");
        assertThat(lines.get(3)).matches(goneRow(2));
        assertThat(run.err().lines()).hasSize(1).first().asString().startsWith(goneError());

        for (PoolProcess pool : List.of(www, api)) {
            assertThat(pool.get("/page.java").body()).isEqualTo("page");
        }
        JsonNode document = JSON.readTree(all("invalidate", "--force", lib, "--json").out());
        for (int i = 0; i < 2; i++) {
            assertThat(document.at("/pools/" + i + "/result/dependents")).as("pool " + i)
                    .extracting(JsonNode::asText).containsExactly(page);
        }
        assertThat(document.at("/pools/2/exit_code").asInt()).isEqualTo(4);
    }

    @Test
    void compileIsOneTableOfSummariesAndEveryPoolThatFailedIsNamedOnStderr() throws Exception {
        Path release = Files.createDirectories(docroot.resolve("release"));
        Path good = Scripts.text(release, "good", "good");
        Path bad = Scripts.write(release, "bad", "response.write(undefinedName);");
        String badPath = bad.toRealPath().toString();

        CliRun run = all("compile", release.toString());

        assertThat(run.exitCode()).as("the worst of 1, 1 and 4").isEqualTo(4);
        List<String> lines = run.out().lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).matches("POOL +URL +FILES +COMPILED +CACHED +FAILED +OUTCOME");
        String failed = "failed (exit 1): 1 of 2 files failed: " + badPath + ": does not compile";
        assertThat(cells(lines.get(1))).containsExactly("www", www.adminUrl(), "2", "1", "1", "1", failed);
        assertThat(cells(lines.get(2))).containsExactly("api", api.adminUrl(), "2", "1", "1", "1", failed);
        assertThat(lines.get(3)).matches(goneRow(4));
        List<String> errors = run.err().lines().toList();
        assertThat(errors).hasSize(3);
        assertThat(errors.get(0)).isEqualTo("[www] opcachectl: 1 of 2 files failed: " + badPath + ": does not compile");
        assertThat(errors.get(1)).isEqualTo("[api] opcachectl: 1 of 2 files failed: " + badPath + ": does not compile");
        assertThat(errors.get(2)).startsWith(goneError());
        assertThat(run.out()).as("no file lines: the table is the report").doesNotContain("compiled " + good);

        JsonNode document = JSON.readTree(all("compile", "--json", good.toString()).out());
        assertThat(document.at("/pools/0/result/type").asText()).isEqualTo("summary");
        assertThat(document.at("/pools/1/result/totals/current").asInt()).isEqualTo(1);
        assertThat(document.at("/pools/2/ok").asBoolean()).isFalse();
    }

    @Test
    void statClearAndStatusAreTablesWithTheDeadHostsRowFailedToo() {
        CliRun clear = all("stat-clear");
        assertThat(clear.exitCode()).isEqualTo(4);
        List<String> lines = clear.out().lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).matches("POOL +URL +STAT GENERATION +OUTCOME");
        assertThat(cells(lines.get(1))).hasSize(4).startsWith("www", www.adminUrl()).endsWith("ok");
        assertThat(cells(lines.get(1)).get(2)).matches("\\d+");
        assertThat(cells(lines.get(2))).hasSize(4).startsWith("api", api.adminUrl()).endsWith("ok");
        assertThat(lines.get(3)).matches(goneRow(1));
        assertThat(clear.err().lines()).hasSize(1).first().asString().startsWith(goneError());

        CliRun status = all("status");
        assertThat(status.exitCode()).isEqualTo(4);
        List<String> rows = status.out().lines().toList();
        assertThat(rows).hasSize(4);
        assertThat(rows.get(0)).endsWith("  OUTCOME");
        assertThat(rows.subList(1, 3)).allMatch(row -> row.endsWith("  ok"));
        assertThat(rows.get(3)).matches(goneRow(11));
        assertThat(status.err().lines()).hasSize(1).first().asString().startsWith(goneError());
    }
}
