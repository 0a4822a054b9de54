package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.AccessLogLines;
import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** access.log in a real pool: a file two workers append to, stderr, and off. */
class AccessLogPoolTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    /** Requests sent at once from several connections, to both workers. */
    private static final int CONCURRENT = 200;
    private static final Pattern WORKER_PID = Pattern.compile("x-opcached-worker: (\\d+)", Pattern.CASE_INSENSITIVE);

    @TempDir
    Path dir;
    private Path docroot;

    @BeforeEach
    void scripts() throws Exception {
        docroot = Files.createDirectories(dir.resolve("www"));
        Scripts.text(docroot, "hello", "hello");
        Scripts.write(docroot, "echo", "response.write(\"got \" + request.body().length + \" bytes\");");
        Scripts.write(docroot, "empty", "response.status(204);");
        Scripts.write(docroot, "marker", "System.err.println(\"marker \" + request.param(\"n\")); response.write(\"ok\");");
    }

    private static String get(String target, String... headers) {
        return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + String.join("", headers) + "Connection: close\r\n\r\n";
    }

    /** The lines of {@code file} once one of them contains each of {@code marks}. */
    private static List<String> awaitLines(Path file, List<String> marks) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            List<String> lines = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.ISO_8859_1) : List.of();
            if (marks.stream().allMatch(mark -> lines.stream().anyMatch(line -> line.contains(mark)))) {
                return lines;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new TimeoutException(file + " lacks some of " + marks + ":\n" + String.join("\n", lines));
            }
            Thread.sleep(20);
        }
    }

    /** The one line whose request line is {@code request}. */
    private static Matcher lineOf(List<String> lines, String request) {
        List<Matcher> found = new ArrayList<>();
        for (String line : lines) {
            Matcher fields = AccessLogLines.parse(line);
            if (fields != null && fields.group("request").equals(request)) {
                found.add(fields);
            }
        }
        assertThat(found).as("lines of %s in %s", request, lines).hasSize(1);
        return found.get(0);
    }

    private static Map<String, String> workerNamesByPid(PoolProcess pool) {
        Map<String, String> names = new HashMap<>();
        Matcher started = Pattern.compile("(worker-\\d+) started, pid (\\d+)").matcher(pool.supervisor().output());
        while (started.find()) {
            names.put(started.group(2), started.group(1));
        }
        return names;
    }

    private static String workerPid(String response) {
        Matcher pid = WORKER_PID.matcher(response);
        assertThat(pid.find()).as(response).isTrue();
        return pid.group(1);
    }

    @Test
    void twoWorkersAppendWholeCombinedLinesToOneFile() throws Exception {
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "alogfile", 2,
                "access.log=logs/access.log")) {
            Path file = dir.resolve("state-alogfile/logs/access.log");
            String hello = pool.raw(get("/hello.java?n=plain", "Referer: http://example.com/from\r\n",
                    "User-Agent: curl/8.5.0\r\n"));
            String missing = pool.raw(get("/missing.java"));
            // Quotes, a backslash, a control character, an encoded newline and a byte beyond ASCII in
            // the URL; quotes, a backslash, a tab, a byte beyond ASCII and a forged line in the
            // User-Agent (other control characters there are refused by the HTTP decoder: next).
            String hostile = pool.raw(get("/hello.java?q=\"x\"\\y\u0001%0A\u00e9",
                    "User-Agent: evil\" \"agent\\\t\u00e9\" 200 5 \"-\" \"forged\" worker-9 1\r\n"));
            String refused = pool.raw(get("/hello.java?n=refused", "User-Agent: bell\u0007\r\n"));
            String body = "name=value&other=" + "x".repeat(1000);
            String posted = pool.raw("POST /echo.java HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                    + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body);
            String empty = pool.raw(get("/empty.java"));
            assertThat(hello).startsWith("HTTP/1.1 200 ").endsWith("hello");
            assertThat(missing).startsWith("HTTP/1.1 404 ");
            assertThat(hostile).startsWith("HTTP/1.1 200 ");
            assertThat(refused).startsWith("HTTP/1.1 400 ");
            assertThat(posted).startsWith("HTTP/1.1 200 ").endsWith("got " + body.length() + " bytes");
            assertThat(empty).startsWith("HTTP/1.1 204 ");

            ExecutorService clients = Executors.newFixedThreadPool(8);
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < CONCURRENT; i++) {
                String request = get("/hello.java?concurrent=" + i);
                answers.add(clients.submit(() -> pool.raw(request)));
            }
            for (Future<String> answer : answers) {
                assertThat(answer.get()).startsWith("HTTP/1.1 200 ");
            }
            clients.shutdown();

            List<String> marks = new ArrayList<>(List.of("n=plain", "/missing.java", "evil", "\"-\" 400",
                    "/echo.java", "/empty.java"));
            IntStream.range(0, CONCURRENT).forEach(i -> marks.add("concurrent=" + i + " "));
            List<String> lines = awaitLines(file, marks);
            assertThat(lines).as("every line is one whole combined-format line").allMatch(line ->
                    AccessLogLines.parse(line) != null);
            Map<String, String> workers = workerNamesByPid(pool);

            Matcher plain = lineOf(lines, "GET /hello.java?n=plain HTTP/1.1");
            assertThat(plain.group("client")).isEqualTo("127.0.0.1");
            assertThat(plain.group("status")).isEqualTo("200");
            assertThat(plain.group("bytes")).isEqualTo("5");
            assertThat(plain.group("referer")).isEqualTo("http://example.com/from");
            assertThat(plain.group("agent")).isEqualTo("curl/8.5.0");
            assertThat(plain.group("worker")).isEqualTo(workers.get(workerPid(hello)));

            Matcher notFound = lineOf(lines, "GET /missing.java HTTP/1.1");
            assertThat(notFound.group("status")).isEqualTo("404");
            assertThat(Long.parseLong(notFound.group("bytes"))).isPositive();
            assertThat(notFound.group("referer")).isEqualTo("-");
            assertThat(notFound.group("agent")).isEqualTo("-");
            assertThat(notFound.group("worker")).isEqualTo(workers.get(workerPid(missing)));

            Matcher escaped = lineOf(lines, "GET /hello.java?q=\\\"x\\\"\\\\y\\x01%0A\\xE9 HTTP/1.1");
            assertThat(escaped.group("agent"))
                    .isEqualTo("evil\\\" \\\"agent\\\\\\x09\\xE9\\\" 200 5 \\\"-\\\" \\\"forged\\\" worker-9 1");
            assertThat(escaped.group("worker")).isNotEqualTo("worker-9");
            assertThat(escaped.group("worker")).isEqualTo(workers.get(workerPid(hostile)));

            Matcher badRequest = lineOf(lines, "-");
            assertThat(badRequest.group("status")).as("a request the decoder refused has no request line").isEqualTo("400");
            assertThat(badRequest.group("worker")).isEqualTo(workers.get(workerPid(refused)));

            Matcher post = lineOf(lines, "POST /echo.java HTTP/1.1");
            assertThat(post.group("status")).isEqualTo("200");
            assertThat(post.group("bytes")).isEqualTo(Integer.toString(("got " + body.length() + " bytes").length()));
            assertThat(post.group("worker")).isEqualTo(workers.get(workerPid(posted)));

            Matcher noBody = lineOf(lines, "GET /empty.java HTTP/1.1");
            assertThat(noBody.group("status")).isEqualTo("204");
            assertThat(noBody.group("bytes")).as("an empty body, as Apache's %b").isEqualTo("-");

            Set<String> concurrentWorkers = new HashSet<>();
            for (int i = 0; i < CONCURRENT; i++) {
                Matcher line = lineOf(lines, "GET /hello.java?concurrent=" + i + " HTTP/1.1");
                assertThat(line.group("status")).isEqualTo("200");
                assertThat(line.group("bytes")).isEqualTo("5");
                concurrentWorkers.add(line.group("worker"));
            }
            assertThat(concurrentWorkers).as("both workers appended to the file").containsExactlyInAnyOrder(
                    "worker-1", "worker-2");
            for (String line : lines) {
                assertThat(Long.parseLong(AccessLogLines.parse(line).group("micros"))).as(line).isPositive();
            }
            assertThat(pool.supervisor().output()).as("a file's lines go to it alone").doesNotContain(" access - ");

            // logrotate with PHP-FPM's postrotate: the file renamed, then SIGUSR1 to every process of the pool.
            Path rotated = file.resolveSibling("access.log.1");
            Files.move(file, rotated);
            ProcessHandle supervisor = pool.supervisor().process().toHandle();
            List<ProcessHandle> processes = Stream.concat(Stream.of(supervisor), supervisor.descendants()).toList();
            assertThat(processes).as("the supervisor, the compiler and two workers").hasSize(4);
            for (ProcessHandle process : processes) {
                assertThat(new ProcessBuilder("kill", "-USR1", Long.toString(process.pid())).start().waitFor()).isZero();
            }
            pool.supervisor().awaitLine("SIGUSR1 received", DEADLINE);
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            int sent = 0;
            while (!Files.exists(file) || Files.readAllLines(file).isEmpty()) {
                assertThat(System.nanoTime() - deadline).as("a line reached the new file in time").isNegative();
                assertThat(pool.raw(get("/hello.java?rotated=" + sent++))).startsWith("HTTP/1.1 200 ");
            }
            assertThat(processes).as("SIGUSR1 ended no process of the pool").allMatch(ProcessHandle::isAlive);
            // Every line once, in one file or the other (a worker may have written a few more to the old one).
            int expected = lines.size() + sent;
            while (Files.readAllLines(rotated).size() + Files.readAllLines(file).size() < expected) {
                assertThat(System.nanoTime() - deadline).as("every line written in time").isNegative();
                Thread.sleep(20);
            }
            List<String> before = Files.readAllLines(rotated, StandardCharsets.ISO_8859_1);
            List<String> after = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
            assertThat(before.size() + after.size()).isEqualTo(expected);
            assertThat(before.subList(lines.size(), before.size())).allMatch(line -> line.contains("?rotated="));
            assertThat(after).allMatch(line -> AccessLogLines.parse(line) != null && line.contains("?rotated="));
        }
    }

    @Test
    void withStderrTheLineIsInThePoolsLogBehindTheLogPrefix() throws Exception {
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "alogerr", 1, "access.log=stderr")) {
            pool.raw(get("/hello.java?to=stderr", "User-Agent: quote\" here\r\n"));
            String line = pool.supervisor().awaitLine("^\\S+ INFO +\\[\\d+ worker-1\\] access - (.*to=stderr.*)$",
                    DEADLINE).group(1);
            Matcher fields = AccessLogLines.parse(line);
            assertThat(fields).as(line).isNotNull();
            assertThat(fields.group("request")).isEqualTo("GET /hello.java?to=stderr HTTP/1.1");
            assertThat(fields.group("agent")).isEqualTo("quote\\\" here");
            assertThat(fields.group("worker")).isEqualTo("worker-1");
            assertThat(Long.parseLong(fields.group("micros"))).isPositive();
            assertThat(Files.list(dir.resolve("state-alogerr"))).noneMatch(path -> path.toString().contains("access"));
        }
    }

    @Test
    void offNothingIsLogged() throws Exception {
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "alogoff", 1)) {
            pool.raw(get("/hello.java?n=unlogged"));
            // The same worker's stderr after that request: had it logged a line, it would be before this.
            pool.raw(get("/marker.java?n=after"));
            pool.supervisor().awaitLine("worker-1 stderr\\] marker after$", DEADLINE);
            assertThat(pool.supervisor().output()).doesNotContain(" access - ").doesNotContain("unlogged");
            assertThat(Files.list(dir.resolve("state-alogoff"))).noneMatch(path -> path.toString().contains("access"));
        }
    }
}
