package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A quick script whose connection is alone on its event loop runs on that loop; when it turns
 * slow there, no other connection waits for it and the worker's heartbeat goes on. On a loop that
 * it shares, the same script runs on a request thread.
 */
class EventLoopScriptsTest {
    private static final Pattern CONTENT_LENGTH = Pattern.compile("(?i)content-length: (\\d+)\r\n");

    @TempDir
    Path dir;

    private Path docroot;
    private Path started;
    private Path release;

    /** A quick script, unless told to hold: then it says so and waits for the test's release. */
    private void scripts() throws IOException {
        docroot = Files.createDirectories(dir.resolve("www"));
        started = dir.resolve("started");
        release = dir.resolve("release");
        Scripts.write(docroot, "hold", "String until = request.param(\"until\");\n"
                + "        if (until != null) {\n"
                + "            java.nio.file.Files.writeString(java.nio.file.Path.of(request.param(\"started\")), \"\");\n"
                + "            while (!java.nio.file.Files.exists(java.nio.file.Path.of(until))) { Thread.sleep(5); }\n"
                + "        }\n"
                + "        response.write(Thread.currentThread().getName());");
        Scripts.text(docroot, "hello", "hello");
    }

    @Test
    void aQuickScriptTurnedSlowOnItsLoopStallsNoOtherConnection() throws Exception {
        scripts();
        // Loops enough that the test's connection finds one of its own whatever else is connected.
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "loops", 1,
                "opcached.worker_heartbeat_timeout=1", "opcached.worker_event_loops=4");
             Connection alone = new Connection(pool.port())) {
            pool.supervisor().awaitLine("\\(pid \\d+\\) ready", Duration.ofSeconds(60));
            pool.get("/hello.java");
            String thread = "";
            for (int i = 0; i < 40 && !thread.startsWith("http-"); i++) {
                thread = alone.get("/hold.java");
            }
            assertThat(thread).as("a quick script on a connection alone on its loop runs there").startsWith("http-");
            String worker = alone.worker;

            alone.send("/hold.java?until=" + release + "&started=" + started);
            awaitFile(started);
            // While it holds its loop: new connections are answered, more than once each.
            List<Connection> others = new ArrayList<>();
            try {
                for (int i = 0; i < 6; i++) {
                    Connection other = new Connection(pool.port());
                    others.add(other);
                    assertThat(other.get("/hello.java")).isEqualTo("hello");
                    assertThat(other.get("/hello.java")).isEqualTo("hello");
                    assertThat(other.worker).isEqualTo(worker);
                }
                // Held past three heartbeat timeouts: a loop inside a script is busy, not wedged.
                Thread.sleep(3_000);
                for (Connection other : others) {
                    assertThat(other.get("/hello.java")).isEqualTo("hello");
                }
            } finally {
                releaseAndClose(others);
            }
            assertThat(alone.receive()).as("the slow run too ran on the loop").startsWith("http-");
            assertThat(alone.worker).isEqualTo(worker);
            assertThat(pool.supervisor().output()).doesNotContain("sent no heartbeat");
        }
    }

    @Test
    void onASharedLoopTheSameScriptRunsOnARequestThread() throws Exception {
        scripts();
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "shared", 1,
                "opcached.worker_event_loops=2");
             Connection held = new Connection(pool.port())) {
            pool.supervisor().awaitLine("\\(pid \\d+\\) ready", Duration.ofSeconds(60));
            for (int i = 0; i < 20; i++) {
                held.get("/hold.java");
            }
            // Four connections more on two loops: the held one shares its loop with at least one.
            List<Connection> others = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    Connection other = new Connection(pool.port());
                    others.add(other);
                    assertThat(other.get("/hello.java")).isEqualTo("hello");
                }
                held.send("/hold.java?until=" + release + "&started=" + started);
                awaitFile(started);
                for (Connection other : others) {
                    assertThat(other.get("/hello.java")).isEqualTo("hello");
                }
            } finally {
                releaseAndClose(others);
            }
            assertThat(held.receive()).startsWith("request-");
        }
    }

    /** Lets the held script return, and closes the other connections. */
    private void releaseAndClose(List<Connection> others) throws IOException {
        Files.writeString(release, "");
        for (Connection other : others) {
            other.close();
        }
    }

    private static void awaitFile(Path file) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(file)) {
            assertThat(System.nanoTime() - deadline).as("the script did not start").isNegative();
            Thread.sleep(5);
        }
    }

    /** One keep-alive connection, one request at a time. */
    private static final class Connection implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        /** X-Opcached-Worker of the last answer. */
        String worker;

        Connection(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(60_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        String get(String path) throws IOException {
            send(path);
            return receive();
        }

        void send(String path) throws IOException {
            out.write(("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        /** The next answer's body; its status must be 200. */
        String receive() throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("closed after " + head);
                }
                head.write(b);
            }
            String headers = head.toString(StandardCharsets.ISO_8859_1);
            assertThat(headers).startsWith("HTTP/1.1 200 ");
            Matcher length = CONTENT_LENGTH.matcher(headers);
            assertThat(length.find()).as(headers).isTrue();
            Matcher pid = Pattern.compile("(?i)x-opcached-worker: (\\d+)\r\n").matcher(headers);
            worker = pid.find() ? pid.group(1) : null;
            return new String(in.readNBytes(Integer.parseInt(length.group(1))), StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
