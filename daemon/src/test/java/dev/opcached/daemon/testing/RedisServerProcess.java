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
 * persistence; optionally a password. It can be killed with SIGKILL and started again on the same
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
    private Process process;

    private RedisServerProcess(Path directory, int port, String password) {
        this.directory = directory;
        this.port = port;
        this.password = password;
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
        Path redis = executable();
        Path directory = Files.createTempDirectory("redis-test-");
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        RedisServerProcess server = new RedisServerProcess(directory, port, password);
        try {
            server.launch(redis);
            return server;
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
    }

    private void launch(Path redis) throws Exception {
        List<String> command = new ArrayList<>(List.of(redis.toString(), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--dir", directory.toString(), "--save", "", "--appendonly", "no",
                "--daemonize", "no", "--logfile", ""));
        if (password != null) {
            command.addAll(List.of("--requirepass", password));
        }
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("redis.log").toFile())).start();
        awaitAnswer(START_TIMEOUT);
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

    /** {@code redis://127.0.0.1:PORT}, without the password. */
    public String url() {
        return "redis://127.0.0.1:" + port;
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

    /** Starts it again, on the same port and with the same password, empty. */
    public void restart() throws Exception {
        kill();
        launch(executable());
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
