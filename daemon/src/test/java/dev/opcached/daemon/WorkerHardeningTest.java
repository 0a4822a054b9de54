package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a misbehaving script or client costs a real worker: one request, never the worker's other requests. */
class WorkerHardeningTest {
    @TempDir
    Path dir;

    private static CompletableFuture<HttpResponse<String>> getAsync(PoolProcess pool, String path) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return pool.get(path);
            } catch (Exception e) {
                throw new IllegalStateException(path + ": " + e, e);
            }
        });
    }

    private static String worker(HttpResponse<String> response) {
        return response.headers().firstValue("X-Opcached-Worker").orElseThrow();
    }

    @Test
    void aRunawayScriptCostsOnlyItsOwnRequest() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Path started = dir.resolve("runaway-started");
        Scripts.write(docroot, "runaway", "java.nio.file.Files.writeString(java.nio.file.Path.of(\""
                + started + "\"), \"x\"); while (true) { Thread.sleep(50); }");
        Scripts.write(docroot, "patient", "Thread.sleep(Long.parseLong(request.param(\"ms\")));"
                + " response.write(\"patient\");");
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "runaway", 1,
                "request_terminate_timeout=6", "opcached.worker_threads=10", "process_control_timeout=30")) {
            String victim = worker(pool.get("/patient.java?ms=0"));
            CompletableFuture<HttpResponse<String>> runaway = getAsync(pool, "/runaway.java");
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!Files.exists(started)) {
                assertThat(System.nanoTime() - deadline).as("the runaway script started").isNegative();
                Thread.sleep(10);
            }
            // Halfway through the runaway's timeout, seven requests that outlive it but not their own.
            long halfway = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() - halfway < 0) {
                Thread.sleep(10);
            }
            List<CompletableFuture<HttpResponse<String>>> others = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                others.add(getAsync(pool, "/patient.java?ms=4500"));
            }
            HttpResponse<String> timedOut = runaway.get(60, TimeUnit.SECONDS);
            assertThat(timedOut.statusCode()).isEqualTo(504);
            assertThat(worker(timedOut)).isEqualTo(victim);
            for (CompletableFuture<HttpResponse<String>> other : others) {
                HttpResponse<String> response = other.get(60, TimeUnit.SECONDS);
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.body()).isEqualTo("patient");
                assertThat(worker(response)).isEqualTo(victim);
            }
            pool.supervisor().awaitLine("request_terminate_timeout after \\d+ requests; 0 still in flight",
                    Duration.ofSeconds(30));
            pool.supervisor().awaitLine("\\(pid " + victim + "\\) exited with code 75 after being replaced",
                    Duration.ofSeconds(30));
            assertThat(pool.awaitResponse("/patient.java?ms=0", r -> r.statusCode() == 200, Duration.ofSeconds(60)).body()).isEqualTo("patient");
        }
    }

    @Test
    void aRequestTimeoutLeavesNoMomentWithoutAWorkerAccepting() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Path started = dir.resolve("runaway-started");
        Scripts.write(docroot, "runaway", "java.nio.file.Files.writeString(java.nio.file.Path.of(\""
                + started + "\"), \"x\"); while (true) { Thread.sleep(50); }");
        Scripts.text(docroot, "hello", "hello");
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "accepting", 1,
                "request_terminate_timeout=2")) {
            String victim = worker(pool.get("/hello.java"));
            CompletableFuture<HttpResponse<String>> runaway = getAsync(pool, "/runaway.java");
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (!Files.exists(started)) {
                assertThat(System.nanoTime() - deadline).as("the runaway script started").isNegative();
                Thread.sleep(10);
            }
            // New connections one after another, from before the timeout until the victim is gone,
            // and one more: each is accepted and answered, never retried (a refusal or a reset fails).
            Pattern workerHeader = Pattern.compile("(?im)^X-Opcached-Worker: (\\d+)");
            String exited = "(pid " + victim + ") exited";
            String answeredBy = victim;
            int answered = 0;
            boolean gone = false;
            while (!gone) {
                assertThat(System.nanoTime() - deadline).as("the victim was replaced").isNegative();
                gone = pool.supervisor().output().contains(exited);
                String answer = pool.raw("GET /hello.java HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                assertThat(answer).as("answer %d", answered).startsWith("HTTP/1.1 200 ").endsWith("hello");
                Matcher by = workerHeader.matcher(answer);
                assertThat(by.find()).as(answer).isTrue();
                answeredBy = by.group(1);
                answered++;
            }
            assertThat(answeredBy).as("the replacement answers").isNotEqualTo(victim);
            assertThat(runaway.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(504);
            assertThat(pool.supervisor().output())
                    .contains("(pid " + victim + ") exited with code 75 after being replaced");
        }
    }

    @Test
    void anOutOfMemoryErrorInAScriptIsAnswered500AndTheWorkerIsReplaced() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Scripts.text(docroot, "hello", "hello");
        Scripts.write(docroot, "internal", "throw new InternalError(\"from the script\");");
        Scripts.write(docroot, "hog", "byte[] big = new byte[200 << 20]; byte[] more = new byte[200 << 20];"
                + " response.write(big.length + more.length + \"\");");
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "oom", 1,
                "opcached.worker_java_options=-Xmx256m")) {
            HttpResponse<String> internal = pool.get("/internal.java");
            assertThat(internal.statusCode()).isEqualTo(500);
            String first = worker(internal);
            assertThat(worker(pool.get("/hello.java"))).as("an error the script throws costs nothing more").isEqualTo(first);

            HttpResponse<String> hog = pool.get("/hog.java");
            assertThat(hog.statusCode()).isEqualTo(500);
            assertThat(worker(hog)).isEqualTo(first);
            pool.supervisor().awaitLine("OutOfMemoryError after \\d+ requests", Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            String next = first;
            while (next.equals(first)) {
                assertThat(System.nanoTime() - deadline).as("a replacement serves").isNegative();
                next = worker(pool.awaitResponse("/hello.java", r -> r.statusCode() == 200, Duration.ofSeconds(60)));
            }
        }
    }

    @Test
    void clientsThatNeverReadLargeAnswersDoNotBloatTheWorker() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Scripts.text(docroot, "hello", "hello");
        Scripts.write(docroot, "large", "response.write(new byte[4 << 20]);");
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "unread", 1,
                "opcached.worker_java_options=-Xmx1g")) {
            assertThat(pool.get("/large.java").body()).hasSize(4 << 20);
            long pid = Long.parseLong(worker(pool.get("/hello.java")));
            long before = rssKiB(pid);
            List<Socket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < 6; i++) {
                    Socket socket = new Socket("127.0.0.1", pool.port());
                    socket.setReceiveBufferSize(64 * 1024);
                    stalled.add(socket);
                    OutputStream out = socket.getOutputStream();
                    out.write("GET /large.java HTTP/1.1\r\nHost: x\r\n\r\n".repeat(40).getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
                // Watch for a while: before, the worker grew by ~1 GB here within a second or two.
                long most = before;
                long until = System.nanoTime() + Duration.ofSeconds(6).toNanos();
                while (System.nanoTime() - until < 0) {
                    most = Math.max(most, rssKiB(pid));
                    Thread.sleep(100);
                }
                assertThat(pool.get("/hello.java").body()).as("others are still answered").isEqualTo("hello");
                assertThat((most - before) / 1024).as("RSS growth of the worker, MiB").isLessThan(300);
            } finally {
                for (Socket socket : stalled) {
                    socket.close();
                }
            }
        }
    }

    @Test
    void aTruncatedSegmentIsAnswered503AndReportedWithoutStoppingTheWorker() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Scripts.text(docroot, "hello", "hello");
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "truncated", 1)) {
            String worker = worker(pool.get("/hello.java"));
            try (java.nio.channels.FileChannel file = java.nio.channels.FileChannel.open(pool.segment(),
                    java.nio.file.StandardOpenOption.WRITE)) {
                file.truncate(0);
            }
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> response = pool.get("/hello.java");
                assertThat(response.statusCode()).isEqualTo(503);
                assertThat(worker(response)).as("the same worker answers").isEqualTo(worker);
            }
            // The segment-lost report itself is the supervisor's to read (WorkerReportPipeTest, ScriptHandlerTest).
            pool.supervisor().awaitLine("the segment faulted .*: answering 503", Duration.ofSeconds(30));
        }
    }

    private static long rssKiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }
}
