package dev.opcached.daemon.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import java.io.BufferedReader;
import java.io.InputStreamReader;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /compile} against a real pool: only regular files inside the docroot are ever opened,
 * the answer streams a line per file, and a caller that leaves mid-stream disturbs nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminCompileTest {
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private Path docroot;
    private Path outside;
    private PoolProcess pool;
    private String token;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        docroot = Files.createDirectories(dir.resolve("www"));
        outside = Files.createDirectories(dir.resolve("outside"));
        Scripts.text(docroot, "good", "good");
        Scripts.text(outside, "evil", "evil");
        pool = PoolProcess.start(docroot, dir.resolve("shm"), "compile", 1, "opcache.file_update_protection=0");
        token = Files.readString(pool.tokenFile()).strip();
    }

    @AfterAll
    void stop() throws Exception {
        if (pool != null) {
            pool.close();
        }
    }

    private CompletableFuture<HttpResponse<String>> call(String method, String path, String body) {
        return client.sendAsync(HttpRequest.newBuilder(URI.create(pool.adminUrl() + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode compile(Path... paths) throws Exception {
        StringBuilder body = new StringBuilder("{\"paths\":[");
        for (int i = 0; i < paths.length; i++) {
            body.append(i == 0 ? "" : ",").append('"').append(paths[i]).append('"');
        }
        HttpResponse<String> response = call("POST", "/compile", body.append("]}").toString()).get(60, TimeUnit.SECONDS);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return summary(response.body());
    }

    /** The summary: the last line of a streamed answer. */
    private JsonNode summary(String stream) throws Exception {
        List<String> lines = stream.lines().toList();
        JsonNode last = json.readTree(lines.get(lines.size() - 1));
        assertThat(last.get("type").asText()).as(stream).isEqualTo("summary");
        return last;
    }

    /** {@code count} scripts in a new directory of the docroot, each long enough to take javac a while. */
    private Path manyScripts(String name, int count) throws Exception {
        Path many = Files.createDirectories(docroot.resolve(name));
        for (int i = 0; i < count; i++) {
            Scripts.write(many, "s" + i, "response.write(\"s\" + request.param(\"x\"));\n".repeat(200));
        }
        return many;
    }

    private static void deleteTree(Path directory) throws Exception {
        try (var files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(directory);
    }

    private static void mkfifo(Path path) throws Exception {
        Process mkfifo = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assertThat(mkfifo.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(mkfifo.exitValue()).isZero();
    }

    @Test
    void aFifoIsAFailureOfItsOwnAndNeverBlocksTheEndpoint() throws Exception {
        Path fifo = docroot.resolve("pipe.java");
        mkfifo(fifo);
        try {
            CompletableFuture<HttpResponse<String>> compiling = call("POST", "/compile", "{\"paths\":[\"" + fifo + "\"]}");
            HttpResponse<String> status = call("GET", "/status", null).get(60, TimeUnit.SECONDS);
            assertThat(status.statusCode()).as("/status meanwhile").isEqualTo(200);
            HttpResponse<String> compiled = compiling.get(60, TimeUnit.SECONDS);
            assertThat(compiled.statusCode()).isEqualTo(200);
            JsonNode result = summary(compiled.body());
            assertThat(result.get("compiled").asInt()).isZero();
            assertThat(result.at("/failed/0/path").asText()).isEqualTo(fifo.toString());
            assertThat(result.at("/failed/0/message").asText()).startsWith("not a regular file");

            JsonNode directory = compile(docroot);
            assertThat(directory.get("failed").toString()).contains("pipe.java").contains("not a regular file");
            assertThat(directory.get("compiled").asInt()).as("good.java").isEqualTo(1);
        } finally {
            Files.delete(fifo);
        }
    }

    @Test
    void symbolicLinksOutOfTheDocrootAreRefused() throws Exception {
        Path linkedDir = Files.createSymbolicLink(docroot.resolve("elsewhere"), outside);
        Path linkedFile = Files.createSymbolicLink(docroot.resolve("alias.java"), outside.resolve("evil.java"));
        try {
            JsonNode walked = compile(docroot);
            assertThat(walked.get("compiled").asInt()).as("good.java only").isEqualTo(1);
            assertThat(walked.get("failed")).extracting(f -> f.get("path").asText())
                    .containsExactlyInAnyOrder(linkedDir.toString(), linkedFile.toString());
            assertThat(walked.get("failed")).extracting(f -> f.get("message").asText())
                    .allMatch(message -> message.startsWith("outside the docroot"));

            JsonNode named = compile(linkedDir.resolve("evil.java"), linkedFile, linkedDir);
            assertThat(named.get("compiled").asInt()).isZero();
            assertThat(named.get("failed")).hasSize(3)
                    .extracting(f -> f.get("message").asText()).allMatch(message -> message.startsWith("outside the docroot"));

            HttpResponse<String> status = call("GET", "/status?scripts=1", null).get(60, TimeUnit.SECONDS);
            assertThat(json.readTree(status.body()).get("scripts").toString()).doesNotContain(outside.toString());
        } finally {
            Files.delete(linkedDir);
            Files.delete(linkedFile);
        }
    }

    @Test
    void aResetWhoseCallerTimedOutWhileQueuedIsNeverApplied() throws Exception {
        // Enough work that the compile outlasts the reset's caller by far, even on a fast, idle machine.
        Path many = manyScripts("many", 60);
        try {
            resetQueuedBehind(many);
        } finally {
            deleteTree(many);
        }
    }

    private void resetQueuedBehind(Path many) throws Exception {
        long restarts = pool.statistics().manualRestarts();
        int compilesBefore = pool.count("compile: 60 files");
        CompletableFuture<HttpResponse<String>> compiling = call("POST", "/compile", "{\"paths\":[\"" + many + "\"]}");
        // The reset must queue behind the compile: wait until the compile has begun.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (pool.count("compile: 60 files") == compilesBefore) {
            assertThat(System.nanoTime() - deadline).as("the compile begins").isNegative();
            Thread.sleep(5);
        }
        HttpRequest reset = HttpRequest.newBuilder(URI.create(pool.adminUrl() + "/reset")).timeout(Duration.ofMillis(100))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build();
        assertThat(client.sendAsync(reset, HttpResponse.BodyHandlers.ofString()))
                .as("the caller gives up while the reset waits").failsWithin(Duration.ofSeconds(30));
        assertThat(compiling).as("the compile still runs when the caller has gone (else this proves nothing)")
                .isNotDone();

        JsonNode compiled = summary(compiling.get(120, TimeUnit.SECONDS).body());
        assertThat(compiled.get("compiled").asInt()).as("the compile itself was not disturbed").isEqualTo(60);
        pool.supervisor().awaitLine("POST /reset -> not run: the caller had gone", Duration.ofSeconds(30));
        assertThat(pool.statistics().manualRestarts()).as("no reset applied after its caller left").isEqualTo(restarts);
    }

    @Test
    void theStreamHasALinePerFileAndABrokenFileIsCountedWithItsDiagnostics() throws Exception {
        Path mixed = Files.createDirectories(docroot.resolve("mixed"));
        Path ok = Scripts.text(mixed, "fine", "fine").toRealPath();
        Path broken = Scripts.write(mixed, "broken", "response.write(missing);").toRealPath();
        try {
            HttpResponse<String> response = call("POST", "/compile", "{\"paths\":[\"" + mixed + "\",\"" + mixed
                    + "/absent.java\"]}").get(60, TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/x-ndjson");
            List<JsonNode> lines = new ArrayList<>();
            for (String line : response.body().lines().toList()) {
                lines.add(json.readTree(line));
            }
            assertThat(lines).hasSize(5);
            assertThat(lines.get(0).toString()).isEqualTo("{\"type\":\"start\",\"files\":3}");
            assertThat(lines.get(1).toString()).as("what is refused comes first")
                    .isEqualTo("{\"type\":\"file\",\"path\":\"" + mixed + "/absent.java\",\"status\":\"not_found\","
                            + "\"error\":\"no such file or directory\",\"diagnostics\":[]}");
            Map<String, JsonNode> byPath = new HashMap<>();
            lines.subList(2, 4).forEach(line -> byPath.put(line.get("path").asText(), line));
            assertThat(byPath.get(ok.toString()).get("status").asText()).isEqualTo("compiled");
            JsonNode failed = byPath.get(broken.toString());
            assertThat(failed.get("status").asText()).isEqualTo("failed");
            assertThat(failed.get("diagnostics").toString()).contains("broken.java:4: error: cannot find symbol");
            JsonNode summary = lines.get(4);
            assertThat(summary.get("totals").toString()).isEqualTo(
                    "{\"compiled\":1,\"current\":0,\"file_cache\":0,\"failed\":1,\"not_cached\":0,\"not_found\":1}");
            assertThat(summary.get("compiled").asInt()).isEqualTo(1);
            assertThat(summary.get("failed")).extracting(f -> f.get("path").asText())
                    .containsExactlyInAnyOrder(broken.toString(), mixed + "/absent.java");

            JsonNode again = compile(mixed);
            assertThat(again.at("/totals/current").asInt()).as("unchanged: nothing compiled again").isEqualTo(1);
        } finally {
            deleteTree(mixed);
        }
    }

    @Test
    void aCallerThatLeavesMidStreamDoesNotStopTheCompileNorLeaveAMarker() throws Exception {
        Path many = manyScripts("leaving", 40);
        try {
            int audited = pool.count("POST /compile {\"paths\":[\"" + many);
            String body = "{\"paths\":[\"" + many + "\"]}";
            try (Socket socket = new Socket("127.0.0.1", URI.create(pool.adminUrl()).getPort())) {
                socket.getOutputStream().write(("POST /compile HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                        .getBytes(StandardCharsets.UTF_8));
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
                String line;
                while (!(line = in.readLine()).contains("\"type\":\"start\"")) {
                    assertThat(line).as("the head, then the first chunk").doesNotContain("\"type\":\"file\"");
                }
                assertThat(line).contains("\"files\":40");
            } // closed after the first line, long before 40 files of this size are compiled
            pool.supervisor().awaitLine("POST /compile \\{\"paths\":\\[\"" + java.util.regex.Pattern.quote(many.toString())
                    + "\"]} -> 200 streamed, last line .*\"compiled\":40,.*\\(the caller had gone: its lines were dropped\\)",
                    Duration.ofSeconds(120));
            assertThat(pool.count("POST /compile {\"paths\":[\"" + many)).isEqualTo(audited + 1);

            JsonNode next = compile(many);
            assertThat(next.at("/totals/current").asInt()).as("the compile finished: all current").isEqualTo(40);
            JsonNode status = json.readTree(call("GET", "/status", null).get(60, TimeUnit.SECONDS).body());
            assertThat(status.at("/opcache_statistics/num_cached_keys").asInt()).as("no key left claimed")
                    .isEqualTo(status.at("/opcache_statistics/num_cached_scripts").asInt());
        } finally {
            deleteTree(many);
        }
    }
}
