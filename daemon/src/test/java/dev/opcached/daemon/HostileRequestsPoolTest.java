package dev.opcached.daemon;

import static dev.opcached.daemon.testing.HttpConnection.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.opcached.daemon.testing.Conditions;
import dev.opcached.daemon.testing.HttpConnection;
import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.PoolStatus;
import dev.opcached.daemon.testing.Scripts;
import dev.opcached.protocol.admin.StatusResponse;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a hostile client or script sent to the worker port, against real workers and over raw
 * connections where an HTTP client would normalise the request: a malformed escape, deep
 * pipelines, over-long lines and headers, a storm of unique missing paths, scripts naming the
 * pool's internals, a crowd on an uncacheable file, a compile slower than the request timeout.
 * Each costs at most its own request: the same workers serve on. A pool of its own, because it
 * needs what no other class's pool has: workers with half the default heap (-Xmx64m), so that
 * what a storm leaves behind shows as a dead worker; request_terminate_timeout at its least (1 s),
 * so that a compile counted against it would show; and a blacklisted directory. No test stops or
 * changes the pool, and each uses scripts of its own, so their order does not matter.
 */
class HostileRequestsPoolTest {
    /** Lines of {@link #slowToCompile} that take javac well over a second, however warm it is. */
    private static final int SLOW_COMPILE_STATEMENTS = 3_500;
    /** Lines that take it a few hundred milliseconds: a compile that a crowd of requests overlaps. */
    private static final int CROWD_COMPILE_STATEMENTS = 300;

    @TempDir
    static Path dir;
    private static Path docroot;
    private static PoolProcess pool;

    @BeforeAll
    static void start() throws Exception {
        docroot = Files.createDirectories(dir.resolve("www"));
        Files.createDirectories(docroot.resolve("private"));
        Path blacklist = Files.writeString(dir.resolve("blacklist.txt"), docroot.toRealPath() + "/private/\n");
        Scripts.text(docroot, "hello", "hello");
        pool = PoolProcess.start(docroot, dir.resolve("shm"), "hostile", 2,
                "opcached.worker_java_options=-Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
                "request_terminate_timeout=1", "opcache.blacklist_filename=" + blacklist, "display_errors=1");
    }

    @AfterAll
    static void stop() throws Exception {
        if (pool != null) {
            pool.close();
        }
    }

    @Test
    void malformedPercentEncodingIs400WithoutAStackTraceAndThePipelineGoesOn() throws Exception {
        Scripts.text(docroot, "zzHello", "hello");
        // Prints a line the supervisor relays: once it is there, whatever the bad request logged is too.
        Scripts.write(docroot, "zzMarker", "System.err.println(\"zz marker \" + request.param(\"on\"));"
                + " response.write(\"marked\");");
        int logFrom = pool.supervisor().output().length();
        try (HttpConnection alone = HttpConnection.open(pool)) {
            alone.send(get("/%zz"));
            assertThat(alone.read().status()).isEqualTo(400);
            alone.send(get("/zzMarker.java?on=alone"));
            assertThat(alone.read().body()).as("the connection goes on").isEqualTo("marked");
        }
        try (HttpConnection pipelined = HttpConnection.open(pool)) {
            pipelined.send(get("/zzHello.java") + get("/%zz") + get("/zzMarker.java?on=pipelined"));
            HttpConnection.Answer good = pipelined.read();
            assertThat(good.status()).isEqualTo(200);
            assertThat(good.body()).isEqualTo("hello");
            assertThat(pipelined.read().status()).isEqualTo(400);
            HttpConnection.Answer third = pipelined.read();
            assertThat(third.status()).isEqualTo(200);
            assertThat(third.body()).isEqualTo("marked");
        }
        Conditions.await("both markers relayed", () -> pool.supervisor().output().contains("zz marker alone")
                && pool.supervisor().output().contains("zz marker pipelined"));
        assertThat(pool.supervisor().output().substring(logFrom)).as("what the workers logged meanwhile")
                .doesNotContain("\tat ").doesNotContain("Exception").doesNotContain(" ERROR ").doesNotContain(" WARN ");
    }

    @Test
    void threeHundredPipelinedRequestsAreAllAnsweredInOrder() throws Exception {
        Scripts.write(docroot, "echoN", "response.write(request.param(\"n\"));");
        int requests = 300;
        StringBuilder pipeline = new StringBuilder();
        for (int i = 0; i < requests; i++) {
            pipeline.append(get("/echoN.java?n=" + i));
        }
        try (HttpConnection connection = HttpConnection.open(pool)) {
            connection.send(pipeline.toString());
            for (int i = 0; i < requests; i++) {
                HttpConnection.Answer answer = connection.read();
                assertThat(answer.status()).as("answer %d", i).isEqualTo(200);
                assertThat(answer.body()).as("answer %d", i).isEqualTo(Integer.toString(i));
            }
            connection.send(get("/echoN.java?n=after"));
            assertThat(connection.read().body()).as("the connection still serves").isEqualTo("after");
        }
    }

    @Test
    void aTooLongRequestLineIs414AndATooLargeHeaderIs431() throws Exception {
        Scripts.write(docroot, "longLines", "response.write(request.query().length() + \"\");");
        try (HttpConnection connection = HttpConnection.open(pool)) {
            String query = "pad=" + "p".repeat(8_000);
            connection.send(get("/longLines.java?" + query));
            assertThat(connection.read().body()).as("a long line within the limit serves")
                    .isEqualTo(Integer.toString(query.length()));
        }
        try (HttpConnection connection = HttpConnection.open(pool)) {
            connection.send(get("/longLines.java?pad=" + "p".repeat(9_000)));
            assertThat(connection.read().status()).isEqualTo(414);
            assertThat(connection.closedByServer()).as("closed after a message it could not read").isTrue();
        }
        try (HttpConnection connection = HttpConnection.open(pool)) {
            connection.send("GET /longLines.java HTTP/1.1\r\nHost: test\r\nX-Big: " + "h".repeat(17_000) + "\r\n\r\n");
            assertThat(connection.read().status()).isEqualTo(431);
            assertThat(connection.closedByServer()).isTrue();
        }
    }

    @Test
    void aStormOfUniqueMissingPathsIsAll404AndNeitherFillsNorStopsAWorker() throws Exception {
        List<String> before = workers();
        int connections = 4;
        int perConnection = 5_000;
        // Paths of about 4 KB (the most a file system takes; names at most 255 bytes): 80 MB of
        // distinct misses, more than the workers' heaps could hold if they kept them.
        String tail = ("/" + "m".repeat(250)).repeat(15) + ".java";
        ExecutorService threads = Executors.newFixedThreadPool(2 * connections);
        try {
            List<Future<Integer>> missed = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                String prefix = "/missing/" + c + "/";
                missed.add(threads.submit(() -> stormOf404(threads, prefix, tail, perConnection)));
            }
            for (Future<Integer> count : missed) {
                assertThat(count.get(60, TimeUnit.SECONDS)).as("404s on one connection").isEqualTo(perConnection);
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(workers()).as("the same workers, none replaced").isEqualTo(before);
        try (HttpConnection connection = HttpConnection.open(pool)) {
            connection.send(get("/appears.java"));
            assertThat(connection.read().status()).isEqualTo(404);
            Scripts.text(docroot, "appears", "appeared");
            connection.send(get("/appears.java"));
            HttpConnection.Answer next = connection.read();
            assertThat(next.status()).as("a file created after its 404 serves at once").isEqualTo(200);
            assertThat(next.body()).isEqualTo("appeared");
        }
    }

    /** Pipelines {@code count} GETs of distinct missing paths on one connection; returns how many answered 404, in order. */
    private static int stormOf404(ExecutorService threads, String prefix, String tail, int count) throws Exception {
        try (HttpConnection connection = HttpConnection.open(pool)) {
            CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
                try {
                    StringBuilder batch = new StringBuilder();
                    for (int i = 0; i < count; i++) {
                        batch.append(get(prefix + i + tail));
                        if (i % 100 == 99 || i == count - 1) {
                            connection.send(batch.toString());
                            batch.setLength(0);
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, threads);
            int notFound = 0;
            for (int i = 0; i < count; i++) {
                HttpConnection.Answer answer = connection.read();
                assertThat(answer.status()).as("%s%d", prefix, i).isEqualTo(404);
                notFound++;
            }
            writing.get(60, TimeUnit.SECONDS);
            return notFound;
        }
    }

    @Test
    void aScriptNamingOurInternalsOrLibrariesIsACompileErrorAndThePoolGoesOn() throws Exception {
        List<String> before = workers();
        int n = 0;
        for (String internal : List.of("dev.opcached.protocol.segment.Segment", "io.netty.buffer.ByteBuf",
                "com.fasterxml.jackson.databind.ObjectMapper")) {
            String name = "NamesInternal" + n++;
            Scripts.write(docroot, name, "response.write(String.valueOf(" + internal + ".class));");
            HttpResponse<String> response = pool.get("/" + name + ".java");
            assertThat(response.statusCode()).as(internal).isEqualTo(500);
            assertThat(response.body()).as(internal)
                    .contains("error: package " + internal.substring(0, internal.lastIndexOf('.')) + " does not exist");
        }
        assertThat(pool.get("/hello.java").body()).isEqualTo("hello");
        assertThat(workers()).as("the same workers, none replaced").isEqualTo(before);
    }

    @Test
    void aCrowdOnABlacklistedFileCompilesItOnce() throws Exception {
        Path file = Scripts.write(docroot.resolve("private"), "crowded", slowToCompile(CROWD_COMPILE_STATEMENTS, "crowded"));
        // Older than file_update_protection: the blacklist alone keeps it out of the cache.
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
        long compiles = pool.statistics().compiles();
        long blacklistMisses = pool.statistics().blacklistMisses();
        int clients = 20;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        try {
            List<Future<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                responses.add(threads.submit(() -> {
                    go.await();
                    return pool.get("/private/crowded.java");
                }));
            }
            go.countDown();
            for (Future<HttpResponse<String>> response : responses) {
                assertThat(response.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
                assertThat(response.get().body()).isEqualTo("crowded");
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(pool.statistics().blacklistMisses() - blacklistMisses).as("the blacklist was consulted")
                .isPositive();
        assertThat(pool.statistics().compiles() - compiles).as("compiles of the blacklisted file").isEqualTo(1);
    }

    @Test
    void aCompileLongerThanTheRequestTimeoutIsNotCountedAgainstIt() throws Exception {
        List<String> before = workers();
        Path slow = Scripts.write(docroot, "SlowToCompile", slowToCompile(SLOW_COMPILE_STATEMENTS, "compiled slowly"));
        Files.setLastModifiedTime(slow, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
        HttpResponse<String> response = pool.get("/SlowToCompile.java");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("compiled slowly");

        Matcher compiled = pool.supervisor().awaitLine("compiled \\S+/SlowToCompile\\.java in (\\d+) ms", Conditions.DEADLINE);
        long millis = Long.parseLong(compiled.group(1));
        assumeTrue(millis > 1_000, "the premise: the compile took " + millis + " ms here, not longer than"
                + " request_terminate_timeout (1 s), so there is nothing to test on a machine this fast");
        assertThat(pool.get("/SlowToCompile.java").body()).isEqualTo("compiled slowly");
        assertThat(workers()).as("the same workers, none replaced").isEqualTo(before);
        assertThat(pool.supervisor().output()).doesNotContain("ran past request_terminate_timeout");
    }

    /**
     * A script body that answers {@code answer} after {@code statements} lines that javac
     * type-checks (generic inference) and then drops, as they are under {@code if (false)}: as
     * slow to compile as wanted, nothing to run.
     */
    private static String slowToCompile(int statements, String answer) {
        StringBuilder code = new StringBuilder("if (false) {\n");
        for (int i = 0; i < statements; i++) {
            code.append("            java.util.Map.of(\"k").append(i).append("\", java.util.List.of(java.util.Optional.of(")
                    .append(i).append(").orElse(0)));\n");
        }
        return code.append("        }\n        response.write(\"").append(answer).append("\");").toString();
    }

    /** Each worker slot as name, pid and restarts: equal lists mean no worker was replaced. */
    private static List<String> workers() throws Exception {
        List<String> workers = new ArrayList<>();
        for (StatusResponse.WorkerStatus worker : PoolStatus.of(pool).workers()) {
            assertThat(worker.state()).as(worker.name()).isEqualTo("serving");
            workers.add(worker.name() + " pid " + worker.pid() + " restarts " + worker.restarts());
        }
        return workers;
    }
}
