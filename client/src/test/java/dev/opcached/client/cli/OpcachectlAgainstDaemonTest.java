package dev.opcached.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import dev.opcached.protocol.config.Defaults;
import dev.opcached.protocol.testing.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** opcachectl's commands and exit codes against real running daemons. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpcachectlAgainstDaemonTest {
    private Path dir;
    private Path docroot;
    private TwoPools running;
    private PoolProcess www;
    private PoolProcess api;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        this.dir = dir;
        docroot = Files.createDirectories(dir.resolve("www"));
        Scripts.text(docroot, "hello", "hello");
        Scripts.text(docroot, "other", "other");
        running = TwoPools.start(dir, docroot);
        www = running.www;
        api = running.api;
    }

    @AfterAll
    void stop() throws Exception {
        if (running != null) {
            running.close();
        }
    }

    private CliRun cli(PoolProcess pool, String... args) {
        String[] all = new String[args.length + 4];
        all[0] = "--url";
        all[1] = pool.adminUrl();
        all[2] = "--token-file";
        all[3] = pool.tokenFile().toString();
        System.arraycopy(args, 0, all, 4, args.length);
        return CliRun.of(all);
    }

    @Test
    void statusAndScriptsInTablesOrJson() throws Exception {
        www.get("/hello.java");
        www.get("/hello.java");
        www.get("/other.java");
        CliRun status = cli(www, "status");
        assertThat(status.exitCode()).as(status.err()).isZero();
        assertThat(status.out()).contains("Memory used").contains("Hit rate").contains("Cached scripts")
                .containsPattern("Worker worker-1 +pid \\d+").contains("Uptime").contains(www.segment().toString());
        CliRun json = cli(www, "status", "--json");
        JsonNode tree = new ObjectMapper().readTree(json.out());
        assertThat(tree.at("/opcache_statistics/num_cached_scripts").asInt()).isEqualTo(2);

        CliRun scripts = cli(www, "scripts");
        String hello = docroot.resolve("hello.java").toRealPath().toString();
        assertThat(scripts.out()).contains(hello).contains("2 scripts");
        assertThat(scripts.out().indexOf(hello)).as("sorted by hits").isLessThan(scripts.out().indexOf("other.java"));
        assertThat(cli(www, "scripts", "--filter", "oth").out()).doesNotContain(hello).contains("1 script");
        assertThat(new ObjectMapper().readTree(cli(www, "scripts", "--json").out()).at("/scripts").has(hello)).isTrue();
        assertThat(cli(www, "config").out()).contains("opcache.revalidate_freq").contains("opcached " + Defaults.VERSION);
        assertThat(new ObjectMapper().readTree(cli(www, "config", "--json").out()).has("directives")).isTrue();
    }

    @Test
    void resetInvalidateCompileAndStatClear() throws Exception {
        www.get("/hello.java");
        long restarts = www.statistics().manualRestarts();
        long generation = www.statistics().generation();
        CliRun reset = cli(www, "reset");
        assertThat(reset.exitCode()).isZero();
        assertThat(reset.out()).startsWith("cache reset: generation " + (generation + 1));
        // Not "no cached scripts": a reset loads them back from the file cache behind its answer.
        assertThat(www.statistics().manualRestarts()).isEqualTo(restarts + 1);

        CliRun compile = cli(www, "compile", docroot.toString());
        assertThat(compile.exitCode()).as(compile.out() + compile.err()).isZero();
        assertThat(compile.out()).contains("compiled 2, cached 2, failed 0");
        String hello = docroot.resolve("hello.java").toRealPath().toString();
        assertThat(cli(www, "invalidate", hello).out()).contains("0 invalidated");
        assertThat(cli(www, "invalidate", "--force", hello).out()).contains("invalidated " + hello);
        assertThat(cli(www, "invalidate", "--prefix", docroot.toRealPath() + "/").out()).contains("1 invalidated");
        assertThat(cli(www, "stat-clear").out()).startsWith("realpath caches cleared");

        Path broken = Scripts.write(Files.createDirectories(docroot.resolve("broken")), "bad", "response.write(x);");
        CliRun failed = cli(www, "compile", broken.toString());
        assertThat(failed.exitCode()).isEqualTo(1);
        assertThat(failed.out()).contains("bad.java:4: error: cannot find symbol").contains("failed 1");
    }

    @Test
    void wrongTokenExitsThreeAndChangesNothing() throws Exception {
        Path wrong = Files.writeString(dir.resolve("wrong.token"), "f".repeat(64));
        long restarts = www.statistics().manualRestarts();
        CliRun run = CliRun.of("--url", www.adminUrl(), "--token-file", wrong.toString(), "reset");
        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.err()).isEqualTo("opcachectl: the daemon at " + www.adminUrl() + "/ refused the token (401)\n");
        assertThat(www.statistics().manualRestarts()).isEqualTo(restarts);
    }

    @Test
    void allSendsOneCommandToEveryPoolAndReportsEachOutcome() throws Exception {
        Path wrong = Files.writeString(dir.resolve("bad.token"), "0".repeat(64));
        Path pools = running.poolsFile(dir.resolve("pools.conf"));
        long wwwRestarts = www.statistics().manualRestarts();
        long apiRestarts = api.statistics().manualRestarts();
        CliRun all = CliRun.of("--config", pools.toString(), "--all", "reset");
        assertThat(all.exitCode()).as(all.err()).isZero();
        assertThat(all.out().lines().skip(1)).as("one table (OpcachectlFleetTest)").hasSize(2)
                .allMatch(row -> row.endsWith("  ok"));
        assertThat(www.statistics().manualRestarts()).isEqualTo(wwwRestarts + 1);
        assertThat(api.statistics().manualRestarts()).isEqualTo(apiRestarts + 1);

        CliRun json = CliRun.of("--config", pools.toString(), "--all", "status", "--json");
        assertThat(json.exitCode()).as(json.err()).isZero();
        JsonNode document = new ObjectMapper().readTree(json.out());
        assertThat(document.get("pools")).extracting(p -> p.get("name").asText()).containsExactly("www", "api");
        assertThat(document.at("/pools/0/ok").asBoolean()).isTrue();
        assertThat(document.at("/pools/1/result/segment/path").asText()).isEqualTo(api.segment().toString());

        CliRun one = CliRun.of("--config", pools.toString(), "--pool", "api", "status");
        assertThat(one.out()).contains(api.segment().toString()).doesNotContain(www.segment().toString());

        Path mixed = Files.writeString(dir.resolve("mixed.conf"), String.join("\n",
                "[www]", "url = " + www.adminUrl(), "token_file = " + www.tokenFile(),
                "[api]", "url = " + api.adminUrl(), "token_file = " + wrong, ""));
        // status and the commands that change the cache make one table of the pools; config reports each in turn.
        CliRun partly = CliRun.of("--config", mixed.toString(), "--all", "config");
        assertThat(partly.exitCode()).isEqualTo(3);
        assertThat(partly.out()).contains("== www (" + www.adminUrl() + "): ok ==").contains("failed, exit 3");
        assertThat(partly.err()).contains("[api] opcachectl: the daemon at " + api.adminUrl() + "/ refused the token");
    }

    @Test
    void statusFromTheSegmentFileNeedsNoTokenAndWritesNothing() throws Exception {
        www.get("/hello.java");
        long hits = www.statistics().hits();
        CliRun run = CliRun.of("status", "--segment", www.segment().toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Cached scripts").contains(www.segment().toString());
        assertThat(new ObjectMapper().readTree(CliRun.of("status", "--segment", www.segment().toString(), "--json").out())
                .at("/opcache_statistics/hits").asLong()).isEqualTo(hits);
        assertThat(www.statistics().hits()).isEqualTo(hits);
        CliRun missing = CliRun.of("status", "--segment", dir.resolve("none.seg").toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("no such file");
    }

    @Test
    void theRealProcessExitsWithTheSameCodes() throws Exception {
        try (ChildJvm ok = ChildJvm.start(Opcachectl.class, "--url", www.adminUrl(), "--token-file",
                www.tokenFile().toString(), "status")) {
            assertThat(ok.awaitExit(Duration.ofSeconds(60))).as(ok.output()).isZero();
        }
        try (ChildJvm refused = ChildJvm.start(Opcachectl.class, "--url", www.adminUrl(), "--token-file",
                dir.resolve("absent.token").toString(), "status")) {
            assertThat(refused.awaitExit(Duration.ofSeconds(60))).isEqualTo(3);
        }
    }
}
