package dev.opcached.daemon.testing;

import dev.opcached.daemon.Opcached;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentReader;
import dev.opcached.protocol.segment.SegmentStatistics;
import dev.opcached.protocol.testing.ChildJvm;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/** A real supervisor started by a test, with its workers, on a free port; and an HTTP client for it. */
public final class PoolProcess implements AutoCloseable {
    private final ChildJvm supervisor;
    private final int port;
    private final int adminPort;
    private final Path segment;
    private final Path tokenFile;

    private PoolProcess(ChildJvm supervisor, int port, int adminPort, Path segment, Path tokenFile) {
        this.supervisor = supervisor;
        this.port = port;
        this.adminPort = adminPort;
        this.segment = segment;
        this.tokenFile = tokenFile;
    }

    /** The admin endpoint's base URL. */
    public String adminUrl() {
        return "http://127.0.0.1:" + adminPort;
    }

    /** The admin token file the supervisor made. */
    public Path tokenFile() {
        return tokenFile;
    }

    /** Starts a pool serving {@code docroot}, segments in {@code segmentDir}, and waits until it answers. */
    public static PoolProcess start(Path docroot, Path segmentDir, String name, int workers, String... directives)
            throws Exception {
        return start(System.getProperty("java.class.path"), docroot, segmentDir, name, workers, directives);
    }

    /** The same, with the supervisor (and so its workers) on {@code classPath}. */
    public static PoolProcess start(String classPath, Path docroot, Path segmentDir, String name, int workers,
                                    String... directives) throws Exception {
        // A free port is closed again before the supervisor binds it: a test in another test JVM
        // (or one of its clients' outgoing connections) may take it meanwhile. Then new ports.
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnFreePorts(classPath, docroot, segmentDir, name, workers, directives);
            } catch (PortTakenException e) {
                if (attempt == 3) {
                    throw new IllegalStateException("three starts found their ports taken", e);
                }
            }
        }
    }

    /** The supervisor stopped because a port picked for it was taken before it bound it. */
    private static final class PortTakenException extends Exception {
        PortTakenException(String output) {
            super(output);
        }
    }

    private static PoolProcess startOnFreePorts(String classPath, Path docroot, Path segmentDir, String name,
                                                int workers, String... directives) throws Exception {
        int port = freePort();
        int adminPort = freePort();
        List<String> args = new ArrayList<>(List.of("--docroot", docroot.toString(), "--segment-dir", segmentDir.toString(),
                "--pool", name, "--workers", Integer.toString(workers), "--listen", "127.0.0.1:" + port,
                "--admin-listen", "127.0.0.1:" + adminPort, "--state-dir", segmentDir.resolveSibling("state-" + name).toString(),
                "-d", "opcache.memory_consumption=16", "-d", "opcache.max_accelerated_files=200",
                "-d", "opcached.worker_threads=4",
                // Tests start many pools on 2 cores: the compiler's javac warm-up is CPU they need.
                "-d", "opcached.compiler_warmup=0",
                // C1 only: test pools serve a few requests, and C2's compiles would only take CPU
                // from the other test JVMs (a test that sets its own options replaces this).
                "-d", "opcached.worker_java_options=-XX:TieredStopAtLevel=1",
                // The same for the compiler: its javac batches are small here, and C2 would compile
                // javac itself in every test's compiler JVM.
                "-d", "opcached.compiler_java_options=-Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"));
        for (String directive : directives) {
            args.add("-d");
            args.add(directive);
        }
        ChildJvm supervisor = ChildJvm.start(classPath, Opcached.class, args.toArray(String[]::new));
        try {
            Path segment = Path.of(supervisor.awaitLine("pool \\S+ ready: segment (\\S+) ", Duration.ofSeconds(60)).group(1));
            PoolProcess pool = new PoolProcess(supervisor, port, adminPort, segment,
                    segmentDir.resolveSibling("state-" + name).resolve("admin.token"));
            pool.awaitServing(workers, Duration.ofSeconds(60));
            return pool;
        } catch (Exception | Error e) {
            String output = supervisor.output(); // read before close() removes it
            boolean portTaken = e instanceof PortTakenException || !supervisor.process().isAlive() && output.matches(
                    "(?s).*(listen=\\S+ is not free|opcached\\.admin_listen=\\S+ cannot be bound"
                            + "|is claimed by another pool).*");
            supervisor.close();
            if (portTaken) {
                throw new PortTakenException(output);
            }
            throw e;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** A worker's "serving … on http://…" line (the supervisor's ready line says "serving" too). */
    private static final Pattern WORKER_SERVING = Pattern.compile("(?m)^(?!.*ready: segment).*serving \\S+ on http://");

    /**
     * Waits for every worker's serving line, then for an answer from one of them. Another server
     * may have taken the port between its pick and the workers' bind (another test JVM's admin
     * endpoint, say): a worker then cannot bind it, or an answer comes without X-Opcached-Worker.
     * Then new ports.
     */
    private void awaitServing(int workers, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String output = supervisor.output();
            if (output.contains("Address already in use")) {
                throw new PortTakenException(output);
            }
            if (WORKER_SERVING.matcher(output).results().count() >= workers) {
                try {
                    HttpResponse<String> answer = get("/");
                    if (answer.headers().firstValue("X-Opcached-Worker").isPresent()) {
                        return;
                    }
                    throw new PortTakenException("port " + port + " answered without X-Opcached-Worker:\n" + output);
                } catch (ConnectException e) {
                    // not accepting yet
                }
            } else if (!supervisor.process().isAlive()) {
                throw new IllegalStateException("the supervisor exited before its workers served:\n" + output);
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new TimeoutException("pool on port " + port + " never answered:\n" + output);
            }
            Thread.sleep(20);
        }
    }

    public ChildJvm supervisor() {
        return supervisor;
    }

    public int port() {
        return port;
    }

    public Path segment() {
        return segment;
    }

    /** The segment's figures, read through a read-only mapping. */
    public SegmentStatistics statistics() throws Exception {
        try (SegmentReader readOnly = Segment.openReadOnly(segment)) {
            return readOnly.statistics();
        }
    }

    /** GET on a new connection, so that successive calls may reach different workers. */
    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends raw bytes on one connection and returns everything the server sends until it closes. */
    public String raw(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** How often the supervisor's output (its own and its workers' logs) contains {@code text}. */
    public int count(String text) {
        String output = supervisor.output();
        int count = 0;
        for (int at = output.indexOf(text); at >= 0; at = output.indexOf(text, at + 1)) {
            count++;
        }
        return count;
    }

    /** SIGTERM, as systemd stops it; SIGKILL if it has not stopped within 30 s. */
    @Override
    public void close() throws IOException {
        supervisor.process().toHandle().destroy();
        try {
            supervisor.process().waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        supervisor.close();
    }

    /**
     * Requests {@code path} on new connections until {@code condition} holds for an answer; a
     * refused or reset connection (a worker being replaced) is tried again. Fails at the deadline
     * with the last answer and the supervisor's output.
     */
    public HttpResponse<String> awaitResponse(String path, java.util.function.Predicate<HttpResponse<String>> condition,
                                              Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpResponse<String> last = null;
        while (System.nanoTime() - deadline < 0) {
            try {
                last = get(path);
                if (condition.test(last)) {
                    return last;
                }
            } catch (IOException replacing) {
                // a worker being replaced: try again
            }
            Thread.sleep(20);
        }
        throw new TimeoutException("no matching response to " + path + " within " + timeout + "; last: "
                + (last == null ? null : last.statusCode() + " " + last.body()) + "\n" + supervisor.output());
    }
}
