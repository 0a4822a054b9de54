package dev.opcached.daemon.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real {@code redis-server} started by a test: a free loopback port, a temporary directory, no
 * persistence; optionally a password, or TLS only ({@link #startTls}, certificates from
 * {@link TestCertificates}). It can be killed with SIGKILL and started again on the same
 * port; {@link #close} always ends it and deletes its directory. {@link #executable()} comes from
 * scripts/setup-redis, which installs Debian's package when it can; when it cannot, the test is
 * skipped with what the script said.
 */
public final class RedisServerProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static Path executable;

    private final Path directory;
    private final int port;
    private final String password;
    private final Tls tls;
    private Process process;

    /**
     * A server that speaks TLS only ({@code --port 0}), with these files.
     *
     * @param authClients Redis's {@code tls-auth-clients}: {@code no}, {@code optional} or
     *     {@code yes} (a client without a certificate signed by {@code ca} is refused)
     */
    public record Tls(Path cert, Path key, Path ca, String authClients) {
    }

    private RedisServerProcess(Path directory, int port, String password, Tls tls) {
        this.directory = directory;
        this.port = port;
        this.password = password;
        this.tls = tls;
    }

    /** Why setup-redis could not provide redis-server, once it has failed; null before. */
    private static String unavailable;

    /** The redis-server scripts/setup-redis provides (installing it when it can), or the test is skipped. */
    public static synchronized Path executable() throws Exception {
        if (executable != null) {
            return executable;
        }
        // Asked once per test JVM: a setup that failed is not tried again by every test that follows.
        Assumptions.assumeTrue(unavailable == null, () -> unavailable);
        Path log = Files.createTempFile("setup-redis-", ".log");
        try {
            Process setup = new ProcessBuilder(Path.of("..", "scripts", "setup-redis").toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean done = setup.waitFor(10, TimeUnit.MINUTES);
            if (!done) {
                setup.descendants().forEach(ProcessHandle::destroyForcibly);
                setup.destroyForcibly().waitFor();
            }
            String output = Files.readString(log).strip();
            String[] lines = output.split("\n");
            Path found = Path.of(lines[lines.length - 1]);
            if (!(done && setup.exitValue() == 0 && Files.isExecutable(found))) {
                unavailable = "this test needs redis-server, and scripts/setup-redis could not provide it"
                        + (done ? "" : " within 10 minutes") + ": " + output;
                Assumptions.abort(unavailable);
            }
            executable = found;
            return found;
        } finally {
            Files.delete(log);
        }
    }

    /** Starts a server without a password. */
    public static RedisServerProcess start() throws Exception {
        return start(null);
    }

    /** Starts a server; with {@code password} (not null), every client must AUTH with it. */
    public static RedisServerProcess start(String password) throws Exception {
        return start(password, null);
    }

    /** Starts a server that speaks TLS only, with {@code tls}'s certificate, key and CA; no password. */
    public static RedisServerProcess startTls(Tls tls) throws Exception {
        return start(null, tls);
    }

    private static RedisServerProcess start(String password, Tls tls) throws Exception {
        Path redis = executable();
        Path directory = Files.createTempDirectory("redis-test-");
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        RedisServerProcess server = new RedisServerProcess(directory, port, password, tls);
        try {
            server.launch(redis);
            return server;
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
    }

    private void launch(Path redis) throws Exception {
        List<String> command = new ArrayList<>(List.of(redis.toString(), "--bind", "127.0.0.1", "--dir", directory.toString(), "--save", "", "--appendonly", "no",
                "--daemonize", "no", "--logfile", ""));
        if (password != null) {
            command.addAll(List.of("--requirepass", password));
        }
        if (tls == null) {
            command.addAll(List.of("--port", Integer.toString(port)));
        } else {
            command.addAll(List.of("--port", "0", "--tls-port", Integer.toString(port), "--tls-cert-file", tls.cert().toString(),
                    "--tls-key-file", tls.key().toString(), "--tls-ca-cert-file", tls.ca().toString(),
                    "--tls-auth-clients", tls.authClients()));
        }
        long readyBefore = readyLines();
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("redis.log").toFile())).start();
        if (tls == null) {
            awaitAnswer(START_TIMEOUT);
        } else {
            awaitReady(readyBefore, START_TIMEOUT);
        }
    }

    /**
     * Waits until a TLS server has logged that it accepts connections once more than the
     * {@code before} times of earlier starts (it listens before that line): a PING would need a
     * handshake, and with {@code tls-auth-clients yes} a certificate.
     */
    private void awaitReady(long before, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (readyLines() <= before) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited with " + process.exitValue() + ":\n" + log());
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new TimeoutException("redis-server (TLS) on port " + port + " was not ready within " + timeout + ":\n" + log());
            }
            Thread.sleep(20);
        }
    }

    /** Waits until the server answers a PING (+PONG, or -NOAUTH with a password), with a deadline. */
    private void awaitAnswer(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited with " + process.exitValue() + ":\n" + log());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
                socket.setSoTimeout(1_000);
                OutputStream out = socket.getOutputStream();
                out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = socket.getInputStream();
                int first = in.read();
                if (first == '+' || first == '-') {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new TimeoutException("redis-server on port " + port + " did not answer within " + timeout + ":\n" + log());
            }
            Thread.sleep(20);
        }
    }

    /** {@code redis://127.0.0.1:PORT} ({@code rediss://} with TLS), without the password. */
    public String url() {
        return (tls == null ? "redis" : "rediss") + "://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** SIGKILL, and waits for the process to be gone; what it held in memory is lost. */
    public void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Starts it again, on the same port and with the same password or TLS files, empty. */
    public void restart() throws Exception {
        kill();
        launch(executable());
    }

    private long readyLines() {
        return log().lines().filter(line -> line.contains("Ready to accept connections")).count();
    }

    /** How many TLS handshakes the server has refused or seen fail so far (it logs each). */
    public long failedHandshakes() {
        return log().lines().filter(line -> line.contains("Error accepting a client connection")).count();
    }

    /** What the server logged. */
    public String log() {
        try {
            return Files.readString(directory.resolve("redis.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws Exception {
        try {
            kill();
        } finally {
            try (Stream<Path> paths = Files.walk(directory)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }
}
