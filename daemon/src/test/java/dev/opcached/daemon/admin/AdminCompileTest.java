package dev.opcached.daemon.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@code POST /compile} against a real pool: only regular files inside the docroot are ever opened. */
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
        return json.readTree(response.body());
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
            JsonNode result = json.readTree(compiled.body());
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
        Path many = Files.createDirectories(docroot.resolve("many"));
        // Enough work that the compile outlasts the reset's caller by far, even on a fast, idle machine.
        for (int i = 0; i < 60; i++) {
            Scripts.write(many, "s" + i, "response.write(\"s\" + request.param(\"x\"));\n".repeat(200));
        }
        try {
            resetQueuedBehind(many);
        } finally {
            try (var files = Files.list(many)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(many);
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

        JsonNode compiled = json.readTree(compiling.get(120, TimeUnit.SECONDS).body());
        assertThat(compiled.get("compiled").asInt()).as("the compile itself was not disturbed").isEqualTo(60);
        pool.supervisor().awaitLine("POST /reset -> not run: the caller had gone", Duration.ofSeconds(30));
        assertThat(pool.statistics().manualRestarts()).as("no reset applied after its caller left").isEqualTo(restarts);
    }
}
