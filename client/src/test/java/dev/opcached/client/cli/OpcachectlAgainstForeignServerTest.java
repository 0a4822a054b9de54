package dev.opcached.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** opcachectl pointed at things that are not an opcached admin endpoint: a plain web server, a closed port. */
class OpcachectlAgainstForeignServerTest {
    @TempDir
    Path dir;

    private HttpServer server;
    private final ExecutorService handlers = Executors.newCachedThreadPool();
    /** Counts the calls to /busy, each of which is answered only once all of --all's pools have called. */
    private final CountDownLatch busy = new CountDownLatch(Opcachectl.MAX_PARALLEL_POOLS);
    /** The calls to /gate/ not answered yet, the most there were at once, and the calls made. */
    private final AtomicInteger gateOpen = new AtomicInteger();
    private final AtomicInteger gateMost = new AtomicInteger();
    private final AtomicInteger gateCalls = new AtomicInteger();
    /** Opens once as many calls to /gate/ wait as --all makes at once: the first wave is answered, then the rest. */
    private final CountDownLatch gateFull = new CountDownLatch(1);
    /** Holds /silent/compile's stream open, sending nothing after its first line, until the test ends. */
    private final CountDownLatch silence = new CountDownLatch(1);
    private String url;
    private Path token;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/status", exchange -> answer(exchange, 200, "{\"hello\":\"world\"}"));
        server.createContext("/configuration", exchange -> answer(exchange, 200, "<html>not json</html>"));
        server.createContext("/reset", exchange -> answer(exchange, 404, "<html>Not Found</html>"));
        server.createContext("/busy/status", exchange -> {
            busy.countDown();
            try {
                busy.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answer(exchange, 500, "{\"error\":\"busy \\u001b[2J\\n2026-12-01 ERROR forged\"}");
        });
        server.createContext("/gate/reset", exchange -> {
            gateCalls.incrementAndGet();
            int open = gateOpen.incrementAndGet();
            gateMost.accumulateAndGet(open, Math::max);
            if (open >= Opcachectl.MAX_PARALLEL_POOLS) {
                gateFull.countDown();
            }
            try {
                gateFull.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // Counted out before the answer is sent: the client's thread for this call is busy until it reads it.
            gateOpen.decrementAndGet();
            answer(exchange, 200, "{\"generation\":2,\"manual_restarts\":1,\"compiled_first\":0}");
        });
        server.createContext("/slow/compile", exchange -> stream(exchange, () -> {
            for (int i = 0; i < 4; i++) {
                Thread.sleep(700); // each gap well within --timeout 2, all of them together past it
                line(exchange, "{\"type\":\"file\",\"path\":\"/www/s" + i + ".java\",\"status\":\"compiled\",\"diagnostics\":[]}");
            }
            line(exchange, "{\"type\":\"summary\",\"files\":4,\"totals\":{\"compiled\":4},\"compiled\":4,\"cached\":4,"
                    + "\"failed\":[]}");
        }));
        server.createContext("/silent/compile", exchange -> stream(exchange, () -> silence.await(60, TimeUnit.SECONDS)));
        server.createContext("/cut/compile", exchange -> stream(exchange, () ->
                line(exchange, "{\"type\":\"file\",\"path\":\"/www/a.java\",\"status\":\"compiled\",\"diagnostics\":[]}")));
        server.setExecutor(handlers);
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort();
        token = Files.writeString(dir.resolve("token"), "x");
    }

    private static void answer(com.sun.net.httpserver.HttpExchange exchange, int status, String body) throws java.io.IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    /** What a streaming handler does after its start line. */
    private interface Rest {
        void send() throws Exception;
    }

    /** A chunked NDJSON answer: the start line, then {@code rest}, then the end of the body. */
    private static void stream(com.sun.net.httpserver.HttpExchange exchange, Rest rest) throws java.io.IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/x-ndjson");
        exchange.sendResponseHeaders(200, 0);
        line(exchange, "{\"type\":\"start\",\"files\":4}");
        try {
            rest.send();
        } catch (Exception e) {
            Thread.currentThread().interrupt();
        }
        exchange.close();
    }

    private static void line(com.sun.net.httpserver.HttpExchange exchange, String json) throws java.io.IOException {
        exchange.getResponseBody().write((json + "\n").getBytes(StandardCharsets.UTF_8));
        exchange.getResponseBody().flush();
    }

    @AfterEach
    void stop() {
        silence.countDown();
        server.stop(0);
        handlers.shutdownNow();
    }

    private CliRun cli(String target, String... args) {
        String[] all = new String[args.length + 4];
        all[0] = "--url";
        all[1] = target;
        all[2] = "--token-file";
        all[3] = token.toString();
        System.arraycopy(args, 0, all, 4, args.length);
        return CliRun.of(all);
    }

    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void anAnswerWithoutTheExpectedFieldsIsNotAnOpcachedEndpoint() {
        for (String[] args : new String[][] {{"status"}, {"status", "--json"}, {"scripts", "--json"}}) {
            CliRun run = cli(url, args);
            assertThat(run.exitCode()).as(String.join(" ", args)).isEqualTo(4);
            assertThat(run.out()).as("nothing reported as ok").isEmpty();
            assertThat(run.err()).as(String.join(" ", args)).isEqualTo("opcachectl: not an opcached admin endpoint at " + url
                    + "/: expected field opcache_enabled in the answer to GET /status" + (args[0].equals("scripts") ? "?scripts=1" : "")
                    + System.lineSeparator());
        }
        CliRun config = cli(url, "config");
        assertThat(config.exitCode()).isEqualTo(4);
        assertThat(config.err()).contains("not an opcached admin endpoint at " + url + "/: the answer to GET /configuration is not a JSON object");
        CliRun reset = cli(url, "reset");
        assertThat(reset.exitCode()).isEqualTo(4);
        assertThat(reset.err()).contains("not an opcached admin endpoint at " + url
                + "/: POST /reset answered 404 without an opcached error");
    }

    @Test
    void aClosedPortNamesTheUrlAndTheLikelyCause() throws Exception {
        String closed = "http://127.0.0.1:" + closedPort();
        CliRun run = cli(closed, "status");
        assertThat(run.exitCode()).isEqualTo(4);
        assertThat(run.err()).isEqualTo("opcachectl: cannot reach the daemon at " + closed
                + "/: connection refused: is the pool running? (its admin_listen, opcached.admin_listen, is the address to use)"
                + System.lineSeparator());
    }

    @Test
    void theTimeoutMustBePositive() {
        for (String value : new String[] {"0", "-3"}) {
            CliRun run = cli(url, "--timeout", value, "status");
            assertThat(run.exitCode()).isEqualTo(2);
            assertThat(run.err()).contains("--timeout must be a positive number of seconds, got " + value)
                    .doesNotContain("PT0S");
        }
    }

    @Test
    void allWithJsonIsOneJsonDocument() throws Exception {
        String closed = "http://127.0.0.1:" + closedPort();
        Path pools = Files.writeString(dir.resolve("opcachectl.conf"), String.join("\n",
                "[foreign]", "url = " + url, "token_file = " + token,
                "[down]", "url = " + closed, "token_file = " + token, ""));
        CliRun run = CliRun.of("--config", pools.toString(), "--all", "status", "--json");
        assertThat(run.exitCode()).isEqualTo(4);
        // Strict: a second document (or anything) after the first is an error, not ignored.
        JsonNode document = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(run.out());
        assertThat(document.get("pools")).hasSize(2);
        assertThat(document.at("/pools/0/name").asText()).isEqualTo("foreign");
        assertThat(document.at("/pools/0/url").asText()).isEqualTo(url);
        assertThat(document.at("/pools/0/ok").asBoolean()).isFalse();
        assertThat(document.at("/pools/0/error").asText()).contains("not an opcached admin endpoint");
        assertThat(document.at("/pools/1/name").asText()).isEqualTo("down");
        assertThat(document.at("/pools/1/exit_code").asInt()).isEqualTo(4);
        assertThat(document.at("/pools/1/error").asText()).contains("connection refused");
    }

    @Test
    void allCallsThePoolsAtOnceAndEscapesWhatTheServersSay() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < Opcachectl.MAX_PARALLEL_POOLS; i++) {
            lines.addAll(List.of("[p" + i + "]", "url = " + url + "/busy/", "token_file = " + token));
        }
        Path pools = Files.write(dir.resolve("busy.conf"), lines);
        // Each pool answers only once every pool has called: pools called one after another would time out.
        CliRun run = CliRun.of("--config", pools.toString(), "--all", "--timeout", "20", "status");
        assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
        assertThat(run.err().lines()).hasSize(Opcachectl.MAX_PARALLEL_POOLS)
                .allSatisfy(line -> assertThat(line).matches("\\[p\\d+] opcachectl: the daemon at \\Q" + url
                        + "/busy/ answered GET /status with 500: busy \\u001b[2J\\n2026-12-01 ERROR forged\\E"));
        assertThat(run.err()).doesNotContain("\u001b");
        assertThat(run.out()).doesNotContain("\u001b").contains("busy \\u001b[2J\\n2026-12-01 ERROR forged");
    }

    @Test
    void allCallsAtMostSoManyPoolsAtOnceAndTheRestAsTheyFinish() throws Exception {
        int pools = Opcachectl.MAX_PARALLEL_POOLS + 4;
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < pools; i++) {
            lines.addAll(List.of("[p" + i + "]", "url = " + url + "/gate/", "token_file = " + token));
        }
        Path file = Files.write(dir.resolve("gate.conf"), lines);
        CliRun run = CliRun.of("--config", file.toString(), "--all", "--timeout", "20", "reset");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(gateCalls.get()).isEqualTo(pools);
        assertThat(gateMost.get()).as("calls waiting at once").isEqualTo(Opcachectl.MAX_PARALLEL_POOLS);
        assertThat(run.out().lines().skip(1)).hasSize(pools).allMatch(row -> row.matches("p\\d+ .* +2 +1 +0  ok"));
    }

    @Test
    void aFailureOfAnotherKindIsReportedForItsPoolAndTheOthersStillAre() throws Exception {
        Path pools = Files.writeString(dir.resolve("ports.conf"), String.join("\n",
                "[foreign]", "url = " + url, "token_file = " + token,
                "[badport]", "url = http://127.0.0.1:70000", "token_file = " + token, ""));
        CliRun run = CliRun.of("--config", pools.toString(), "--all", "status");
        assertThat(run.exitCode()).isEqualTo(4);
        // One table, a row per pool, the failure as its state.
        assertThat(run.out().lines().skip(1)).hasSize(2)
                .anySatisfy(row -> assertThat(row).startsWith("foreign  " + url).contains("  failed (exit 4): not an"
                        + " opcached admin endpoint at " + url))
                .anySatisfy(row -> assertThat(row).startsWith("badport  http://127.0.0.1:70000").contains("  failed (exit 2):"
                        + " calling http://127.0.0.1:70000 failed: java.lang.IllegalArgumentException: port out of range:70000"));
        assertThat(run.err()).contains("[foreign] opcachectl: not an opcached admin endpoint at " + url)
                .contains("[badport] opcachectl: calling http://127.0.0.1:70000 failed:"
                        + " java.lang.IllegalArgumentException: port out of range:70000")
                .doesNotContain("CompletionException");
    }

    @Test
    void aPoolsFileLineOutsideAnyPoolIsAUsageError() throws Exception {
        Path pools = Files.writeString(dir.resolve("bad.conf"), "url = " + url + "\n");
        CliRun run = CliRun.of("--config", pools.toString(), "--all", "status");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains(pools + ":1: url is outside any pool: put it under a [pool] header");
    }

    @Test
    void aPoolsFileUrlWithoutItsSchemeIsAUsageErrorNamingThePool() throws Exception {
        Path pools = Files.writeString(dir.resolve("scheme.conf"), String.join("\n",
                "[foreign]", "url = " + url, "token_file = " + token,
                "[app2]", "url = app2.example.com:9180", "token_file = " + token, ""));
        CliRun run = CliRun.of("--config", pools.toString(), "--all", "reset");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).as("no pool was called").isEmpty();
        assertThat(run.err()).contains(pools + ": pool [app2]: url must be http://HOST:PORT or https://HOST:PORT,"
                + " got app2.example.com:9180");
    }

    @Test
    void aCompileHasNoTimeoutOfItsOwnOnlyOneBetweenLines() {
        CliRun slow = cli(url + "/slow", "--timeout", "2", "compile", "/www");
        assertThat(slow.exitCode()).as("lines kept coming, however long it all took: " + slow.err()).isZero();
        assertThat(slow.out()).contains("compiled /www/s3.java").contains("compiled 4, cached 4, failed 0");

        CliRun silent = cli(url + "/silent", "--timeout", "1", "compile", "/www");
        assertThat(silent.exitCode()).isEqualTo(4);
        assertThat(silent.err()).isEqualTo("opcachectl: the daemon at " + url + "/silent/ sent nothing for 1 s during"
                + " POST /compile (the timeout, opcachectl's --timeout, bounds each wait for a line)" + System.lineSeparator());
    }

    @Test
    void aStreamThatEndsBeforeItsSummaryIsAFailure() {
        CliRun cut = cli(url + "/cut", "compile", "/www");
        assertThat(cut.exitCode()).isEqualTo(1);
        assertThat(cut.out()).as("the line that came is shown").contains("compiled /www/a.java");
        assertThat(cut.err()).contains("the stream of POST /compile from " + url + "/cut/ ended before its summary line");
    }
}
