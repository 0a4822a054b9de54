package dev.opcached.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.opcached.client.CompileListener;
import dev.opcached.client.OpcachedClient;
import dev.opcached.client.OpcachedClientException;
import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import dev.opcached.protocol.admin.AdminMessages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code opcachectl compile} and the Java client's compile against a real daemon: the stream's
 * lines as plain text, as JSON, behind a progress bar, and as callbacks. Each test compiles a
 * directory of its own, so the tests share the pool without disturbing each other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpcachectlCompileTest {
    private Path docroot;
    private PoolProcess pool;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        docroot = Files.createDirectories(dir.resolve("www"));
        pool = PoolProcess.start(docroot, dir.resolve("shm"), "compile", 1, "opcache.file_update_protection=0");
    }

    @AfterAll
    void stop() throws Exception {
        if (pool != null) {
            pool.close();
        }
    }

    /** A directory of {@code good} scripts and one that does not compile; returns their real paths, the broken one last. */
    private List<Path> scripts(String name, int good) throws Exception {
        Path directory = Files.createDirectories(docroot.resolve(name));
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < good; i++) {
            files.add(Scripts.text(directory, "s" + i, "s" + i).toRealPath());
        }
        files.add(Scripts.write(directory, "broken", "response.write(missing);").toRealPath());
        return files;
    }

    private CliRun cli(boolean terminal, String... args) {
        String[] all = new String[args.length + 4];
        all[0] = "--url";
        all[1] = pool.adminUrl();
        all[2] = "--token-file";
        all[3] = pool.tokenFile().toString();
        System.arraycopy(args, 0, all, 4, args.length);
        return CliRun.of(Map.of(), terminal, all);
    }

    @Test
    void plainLinesOnePerFileThenTheSummary() throws Exception {
        List<Path> files = scripts("plain", 2);
        CliRun run = cli(false, "compile", files.get(0).getParent().toString());
        assertThat(run.exitCode()).as("a file failed: " + run.err()).isEqualTo(1);
        assertThat(run.err()).isEmpty();
        List<String> lines = run.out().lines().toList();
        assertThat(lines).contains("compiled " + files.get(0), "compiled " + files.get(1),
                "failed " + files.get(2) + ": does not compile");
        assertThat(lines.get(lines.indexOf("failed " + files.get(2) + ": does not compile") + 1))
                .startsWith("  " + files.get(2) + ":4: error: cannot find symbol");
        assertThat(lines.get(lines.size() - 1)).isEqualTo("compiled 2, cached 2, failed 1 (3 files: compiled 2, current 0,"
                + " file_cache 0, failed 1, not_cached 0, not_found 0)");

        CliRun again = cli(false, "compile", files.get(0).toString(), files.get(1).toString());
        assertThat(again.exitCode()).as("nothing failed").isZero();
        assertThat(again.out()).isEqualTo("current " + files.get(0) + "\ncurrent " + files.get(1) + "\ncompiled 2, cached 2,"
                + " failed 0 (2 files: compiled 0, current 2, file_cache 0, failed 0, not_cached 0, not_found 0)\n");
    }

    @Test
    void jsonPrintsTheServersLinesAsTheyCome() throws Exception {
        List<Path> files = scripts("json", 3);
        CliRun run = cli(false, "compile", "--json", files.get(0).getParent().toString());
        assertThat(run.exitCode()).isEqualTo(1);
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : run.out().lines().toList()) {
            lines.add(json.readTree(line));
        }
        assertThat(lines.get(0).toString()).isEqualTo("{\"type\":\"start\",\"files\":4}");
        assertThat(lines.subList(1, 5)).extracting(line -> line.get("path").asText())
                .containsExactlyInAnyOrderElementsOf(files.stream().map(Path::toString).toList());
        JsonNode summary = lines.get(lines.size() - 1);
        assertThat(summary.get("type").asText()).isEqualTo("summary");
        assertThat(summary.get("compiled").asInt()).as("the field of old, for scripts reading the last line").isEqualTo(3);
        assertThat(summary.at("/failed/0/path").asText()).isEqualTo(files.get(3).toString());
        assertThat(lines).hasSize(6);
    }

    @Test
    void onATerminalABarOnStderrAndOnlyTheFailuresOnStdout() throws Exception {
        List<Path> files = scripts("bar", 3);
        CliRun run = cli(true, "compile", files.get(0).getParent().toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("\r\u001b[K[").contains("] 4/4 files, 1 failed")
                .as("the bar is taken off before the summary").endsWith("\r\u001b[K");
        assertThat(run.out()).startsWith("failed " + files.get(3) + ": does not compile\n  " + files.get(3) + ":4: error:")
                .doesNotContain("compiled " + files.get(0))
                .endsWith("compiled 3, cached 3, failed 1 (4 files: compiled 3, current 0, file_cache 0, failed 1,"
                        + " not_cached 0, not_found 0)\n");
    }

    @Test
    void theJavaClientFollowsTheStreamAndStillAnswersInOneObject() throws Exception {
        List<Path> files = scripts("client", 2);
        OpcachedClient client = OpcachedClient.withTokenFile(java.net.URI.create(pool.adminUrl()), pool.tokenFile(),
                Duration.ofSeconds(30));
        List<String> seen = new ArrayList<>();
        OpcachedClient.Reply<AdminMessages.CompileResponse> summary = client.compile(
                List.of(files.get(0).getParent().toString()), new CompileListener() {
                    @Override
                    public void started(AdminMessages.CompileStart start) {
                        seen.add("start " + start.files());
                    }

                    @Override
                    public void file(AdminMessages.CompileFile file) {
                        seen.add(file.status() + " " + file.path());
                    }
                });
        assertThat(seen).containsExactlyInAnyOrder("start 3", "compiled " + files.get(0), "compiled " + files.get(1),
                "failed " + files.get(2));
        assertThat(seen.get(0)).isEqualTo("start 3");
        assertThat(summary.value().totals()).containsEntry("compiled", 2).containsEntry("failed", 1);
        assertThat(summary.json()).startsWith("{\"type\":\"summary\"");

        AdminMessages.CompileResponse whole = client.compile(List.of(files.get(0).toString())).value();
        assertThat(whole.cached()).isEqualTo(1);
        assertThat(whole.totals()).containsEntry("current", 1);

        assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(OpcachedClientException.class,
                () -> client.compile(List.of(), file -> { })))
                .as("a bad request is an ordinary error, before any line")
                .hasMessageContaining("answered POST /compile with 400: \"paths\" must list at least one file or directory")
                .extracting(OpcachedClientException::kind).isEqualTo(OpcachedClientException.Kind.SERVER);
    }

    @Test
    void withAllEachPoolsSummaryIsARowOfOneTable(@TempDir Path config) throws Exception {
        List<Path> files = scripts("all", 1);
        Path pools = Files.writeString(config.resolve("pools.conf"), String.join("\n",
                "[one]", "url = " + pool.adminUrl(), "token_file = " + pool.tokenFile(), ""));
        CliRun text = CliRun.of("--config", pools.toString(), "--all", "compile", files.get(0).getParent().toString());
        assertThat(text.exitCode()).isEqualTo(1);
        String failure = "1 of 2 files failed: " + files.get(1) + ": does not compile";
        assertThat(text.out()).as("the files' lines are not shown: each pool's summary is its row")
                .matches("POOL +URL +FILES +COMPILED +CACHED +FAILED +OUTCOME\n"
                        + "one +\\Q" + pool.adminUrl() + "\\E +2 +1 +1 +1  failed \\(exit 1\\): \\Q" + failure + "\\E\n");
        assertThat(text.err()).isEqualTo("[one] opcachectl: " + failure + "\n");

        CliRun json = CliRun.of("--config", pools.toString(), "--all", "compile", "--json", files.get(0).toString());
        assertThat(json.exitCode()).as(json.err()).isZero();
        JsonNode document = new ObjectMapper().readTree(json.out());
        assertThat(document.at("/pools/0/result/type").asText()).as("each pool's summary").isEqualTo("summary");
        assertThat(document.at("/pools/0/result/totals/current").asInt()).isEqualTo(1);
    }
}
