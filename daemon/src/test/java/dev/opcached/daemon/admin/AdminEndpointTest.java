package dev.opcached.daemon.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The admin endpoint of a real supervisor, called over real HTTP, as curl or a deploy tool would. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminEndpointTest {
    private static final List<String[]> CALLS = List.of(
            new String[] {"GET", "/status"}, new String[] {"GET", "/configuration"}, new String[] {"GET", "/metrics"},
            new String[] {"POST", "/reset"},
            new String[] {"POST", "/invalidate"}, new String[] {"POST", "/compile"}, new String[] {"POST", "/stat/clear"});

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private Path docroot;
    private PoolProcess pool;
    private String token;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        docroot = Files.createDirectories(dir.resolve("www"));
        Scripts.text(docroot, "hello", "hello");
        Files.createDirectories(docroot.resolve("app"));
        Scripts.text(docroot.resolve("app"), "one", "one");
        Scripts.text(docroot.resolve("app"), "two", "two");
        pool = PoolProcess.start(docroot, dir.resolve("shm"), "admin", 2, "opcache.file_update_protection=0",
                "opcached.admin_idle_timeout=1");
        token = Files.readString(pool.tokenFile()).strip();
    }

    @AfterAll
    void stop() throws Exception {
        if (pool != null) {
            pool.close();
            assertThat(pool.supervisor().output()).as("the token is never logged").doesNotContain(token);
        }
    }

    private HttpResponse<String> call(String method, String path, String authorization, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(pool.adminUrl() + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        // A new client, so a new connection: this pool closes idle admin connections after 1 s.
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        return call(method, path, "Bearer " + token, body);
    }

    private JsonNode status() throws Exception {
        HttpResponse<String> response = call("GET", "/status?scripts=1", null);
        assertThat(response.statusCode()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private String raw(String request) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", Integer.parseInt(pool.adminUrl().replaceAll(".*:", "")))) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void onlyTheRightTokenOpensAnyCallAndFailuresChangeNothing() throws Exception {
        assertThat(pool.get("/hello.java").statusCode()).isEqualTo(200);
        JsonNode before = status();
        List<String> wrong = List.of("Basic " + token, "Bearer " + "0".repeat(64), "Bearer " + token.substring(0, 63),
                "Bearer " + token.substring(0, 10), "Bearer " + token + "x", "Bearer " + token + "a".repeat(300), "Bearer " + "a".repeat(5000), "bearer",
                token);
        for (String[] call : CALLS) {
            String body = call[1].equals("/invalidate") ? "{\"prefix\":\"/\"}" : call[1].equals("/compile")
                    ? "{\"paths\":[\"" + docroot + "\"]}" : null;
            List<String> attempts = new ArrayList<>(wrong);
            attempts.add(null);
            for (String authorization : attempts) {
                HttpResponse<String> response = call(call[0], call[1], authorization, body);
                assertThat(response.statusCode()).as("%s %s with %s", call[0], call[1], authorization).isEqualTo(401);
                assertThat(response.headers().firstValue("WWW-Authenticate")).contains("Bearer");
                assertThat(response.body()).isEqualTo("{\"error\":\"unauthorized\"}");
                // A success forgives this address, so that the throttle does not slow the matrix down.
                assertThat(call("GET", "/configuration", null).statusCode()).isEqualTo(200);
            }
            JsonNode after = status();
            assertThat(after.at("/opcache_statistics/manual_restarts")).isEqualTo(before.at("/opcache_statistics/manual_restarts"));
            assertThat(after.at("/opcache_statistics/num_cached_scripts")).isEqualTo(before.at("/opcache_statistics/num_cached_scripts"));
            assertThat(after.at("/compiles")).isEqualTo(before.at("/compiles"));
        }
        assertThat(call("GET", "/status", null).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/status", "BEARER " + token, null).statusCode()).as("the scheme is case-insensitive").isEqualTo(200);
    }

    @Test
    void repeatedFailuresFromOneAddressAreSlowedDown() throws Exception {
        for (int i = 0; i < 3; i++) {
            call("GET", "/status", "Bearer nope", null);
        }
        long started = System.nanoTime();
        call("GET", "/status", "Bearer nope", null);
        call("GET", "/status", "Bearer nope", null);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the 4th and 5th failures wait 100 + 200 ms")
                .isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(call("GET", "/status", null).statusCode()).isEqualTo(200);
    }

    @Test
    void malformedRequestsAreRefusedAndChangeNothing() throws Exception {
        JsonNode before = status();
        assertThat(call("GET", "/nope", null).statusCode()).isEqualTo(404);
        HttpResponse<String> wrongMethod = call("GET", "/reset", null);
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("Allow")).contains("POST");
        assertThat(call("POST", "/status", null).statusCode()).isEqualTo(405);
        for (String body : List.of("{", "[]", "\"text\"", "{\"paths\":\"notalist\"}", "{\"unexpected\":1}", "{}",
                "{\"paths\":[\"/a\"],\"prefix\":\"/b\"}", "null")) {
            HttpResponse<String> response = call("POST", "/invalidate", body);
            assertThat(response.statusCode()).as("invalidate %s", body).isEqualTo(400);
            assertThat(json.readTree(response.body()).get("error").asText()).isNotBlank();
        }
        assertThat(call("POST", "/compile", "{\"paths\":[]}").statusCode()).isEqualTo(400);
        assertThat(call("POST", "/invalidate", null).statusCode()).isEqualTo(400);
        assertThat(call("POST", "/invalidate", "{\"paths\":[\"" + "x".repeat(70_000) + "\"]}").statusCode()).isEqualTo(413);
        assertThat(raw("GARBAGE\r\n\r\n")).startsWith("HTTP/1.1 400");
        JsonNode after = status();
        assertThat(after.at("/opcache_statistics/manual_restarts")).isEqualTo(before.at("/opcache_statistics/manual_restarts"));
        assertThat(after.at("/opcache_statistics/num_cached_scripts")).isEqualTo(before.at("/opcache_statistics/num_cached_scripts"));
    }

    @Test
    void idleConnectionsAreClosed() throws Exception {
        long started = System.nanoTime();
        assertThat(raw("")).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void statusSpeaksOpcachesLanguage() throws Exception {
        assertThat(pool.get("/hello.java").statusCode()).isEqualTo(200);
        JsonNode status = status();
        assertThat(status.get("opcache_enabled").asBoolean()).isTrue();
        for (String key : List.of("used_memory", "free_memory", "wasted_memory", "current_wasted_percentage")) {
            assertThat(status.at("/memory_usage/" + key).isNumber()).as(key).isTrue();
        }
        for (String key : List.of("num_cached_scripts", "num_cached_keys", "max_cached_keys", "hits", "misses",
                "blacklist_misses", "start_time", "last_restart_time", "oom_restarts", "hash_restarts", "manual_restarts",
                "opcache_hit_rate")) {
            assertThat(status.at("/opcache_statistics/" + key).isNumber()).as(key).isTrue();
        }
        String hello = docroot.resolve("hello.java").toRealPath().toString();
        assertThat(status.at("/scripts").get(hello).get("full_path").asText()).isEqualTo(hello);
        assertThat(status.at("/scripts").get(hello).get("hits").asLong()).isPositive();
        assertThat(status.get("workers")).hasSize(2);
        assertThat(status.at("/workers/0/pid").asLong()).isPositive();
        assertThat(status.at("/segment/path").asText()).isEqualTo(pool.segment().toString());
        assertThat(json.readTree(call("GET", "/status", null).body()).has("scripts")).as("scripts only with ?scripts=1").isFalse();
    }

    @Test
    void configurationListsDirectivesAndVersion() throws Exception {
        JsonNode configuration = json.readTree(call("GET", "/configuration", null).body());
        assertThat(configuration.at("/directives/opcache.revalidate_freq").asLong()).isEqualTo(2);
        assertThat(configuration.at("/directives/opcache.validate_timestamps").asBoolean()).isTrue();
        assertThat(configuration.at("/directives/pm.max_children").asLong()).isEqualTo(2);
        assertThat(configuration.at("/version/opcache_product_name").asText()).isEqualTo("opcached");
        assertThat(configuration.get("blacklist").isArray()).isTrue();
        assertThat(configuration.toString()).doesNotContain(token);
    }

    @Test
    void resetAnswersWhenDoneWithTheNewGeneration() throws Exception {
        assertThat(pool.get("/hello.java").statusCode()).isEqualTo(200);
        JsonNode before = status();
        // A bare reset, as OPcache's: the default one also loads the scripts back from the file cache.
        HttpResponse<String> reset = call("POST", "/reset?compile=0", null);
        assertThat(reset.statusCode()).isEqualTo(200);
        JsonNode answer = json.readTree(reset.body());
        assertThat(answer.has("compiled_first")).isFalse();
        assertThat(answer.get("generation").asLong()).isEqualTo(before.at("/segment/generation").asLong() + 1);
        JsonNode after = status();
        assertThat(after.at("/opcache_statistics/manual_restarts").asLong())
                .isEqualTo(before.at("/opcache_statistics/manual_restarts").asLong() + 1);
        assertThat(after.at("/opcache_statistics/num_cached_scripts").asLong()).isZero();
        assertThat(pool.supervisor().output()).containsPattern("audit - 127.0.0.1 POST /reset -> 200");
        assertThat(pool.get("/hello.java").body()).isEqualTo("hello");
    }

    @Test
    void compileInvalidateAndStatClear() throws Exception {
        Scripts.write(docroot.resolve("app"), "bad", "response.write(nothing);");
        HttpResponse<String> compiled = call("POST", "/compile",
                "{\"paths\":[\"" + docroot.resolve("app") + "\",\"" + docroot.resolve("missing.java") + "\",\"/etc/hostname\"]}");
        assertThat(compiled.statusCode()).isEqualTo(200);
        List<String> lines = compiled.body().lines().toList();
        JsonNode result = json.readTree(lines.get(lines.size() - 1)); // the summary: the answer of old, on the last line
        assertThat(result.get("compiled").asInt()).isEqualTo(2);
        assertThat(result.get("cached").asInt()).isEqualTo(2);
        assertThat(result.get("failed")).hasSize(3);
        assertThat(result.get("failed").toString()).contains("bad.java:4: error: cannot find symbol")
                .contains("no such file or directory").contains("outside the docroot");
        String one = docroot.resolve("app/one.java").toRealPath().toString();
        assertThat(status().at("/scripts").has(one)).isTrue();

        JsonNode unchanged = json.readTree(call("POST", "/invalidate", "{\"paths\":[\"" + one + "\"]}").body());
        assertThat(unchanged.get("invalidated")).as("not changed, not forced").isEmpty();
        JsonNode forced = json.readTree(call("POST", "/invalidate", "{\"paths\":[\"" + one + "\"],\"force\":true}").body());
        assertThat(forced.get("invalidated")).extracting(JsonNode::asText).containsExactly(one);
        call("POST", "/compile", "{\"paths\":[\"" + one + "\"]}");
        JsonNode prefix = json.readTree(call("POST", "/invalidate",
                "{\"prefix\":\"" + docroot.resolve("app").toRealPath() + "/\"}").body());
        assertThat(prefix.get("invalidated")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder(one, docroot.resolve("app/two.java").toRealPath().toString());

        long generation = json.readTree(call("POST", "/stat/clear", null).body()).get("stat_generation").asLong();
        assertThat(generation).isPositive();
        assertThat(json.readTree(call("POST", "/stat/clear", null).body()).get("stat_generation").asLong()).isEqualTo(generation + 1);
    }

    @Test
    void aThousandConcurrentStatusCallsAllSucceedWhileWorkersServe() throws Exception {
        AtomicBoolean serving = new AtomicBoolean(true);
        AtomicInteger served = new AtomicInteger();
        CompletableFuture<Void> traffic = CompletableFuture.runAsync(() -> {
            while (serving.get()) {
                try {
                    if (pool.get("/hello.java").statusCode() == 200) {
                        served.incrementAndGet();
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            calls.add(client.sendAsync(HttpRequest.newBuilder(URI.create(pool.adminUrl() + "/status"))
                    .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            assertThat(call.get().statusCode()).isEqualTo(200);
        }
        serving.set(false);
        traffic.get();
        assertThat(served.get()).isPositive();
    }
}
