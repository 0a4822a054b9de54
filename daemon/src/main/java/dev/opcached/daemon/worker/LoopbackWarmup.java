package dev.opcached.daemon.worker;

import dev.opcached.daemon.accesslog.AccessLog;
import dev.opcached.daemon.runtime.BufferedResponse;
import dev.opcached.daemon.runtime.ScriptOutcome;
import dev.opcached.protocol.common.LogText;
import io.netty.channel.Channel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a new worker's own HTTP path end to end before it takes connections: its event loops
 * accept on a private loopback listener with the real pipeline ({@link WorkerChannelInitializer},
 * {@link ScriptHandler}, {@link RequestExecutor}: half of the requests on the request threads, the
 * other half on the event loops, as quick scripts run), and this thread sends
 * requests to it over real sockets until the JIT has seen that path. The script they run is the
 * built-in {@link WarmupScript}, never a docroot script (scripts may write files), through a
 * document root of one empty file in a directory of its own, removed after the first request
 * (its resolution stays in that root's realpath cache); nothing is
 * counted toward pm.max_requests. Without it a replacement's first request loads and interprets
 * the accept path, the pipeline's handlers and the hand-offs between the event loop and the
 * request threads: tens of milliseconds. The listener is on an ephemeral loopback port for the
 * warm-up's second or so; another local process that finds it gets only the built-in script.
 */
final class LoopbackWarmup {
    private static final Logger LOG = LoggerFactory.getLogger(LoopbackWarmup.class);
    /** Requests sent: enough for the first tier of the JIT to compile the path. */
    private static final int ROUNDS = 400;
    private static final String SCRIPT = "warmup.java";
    private static final byte[] REQUEST = ("GET /" + SCRIPT + "?x=1 HTTP/1.1\r\nHost: warmup\r\nAccept: */*\r\n"
            + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    private final WorkerServer server;
    private final WorkerContext worker;
    private final int maxRequestBody;
    private final long timeLimitNanos;
    private final LongSupplier nanoClock;

    /**
     * @param worker          the worker's context; its document root, served requests and access log
     *                        are replaced by the warm-up's own
     * @param timeLimitMillis no request is sent after this long
     */
    LoopbackWarmup(WorkerServer server, WorkerContext worker, int maxRequestBody, long timeLimitMillis,
                   LongSupplier nanoClock) {
        this.server = server;
        this.worker = worker;
        this.maxRequestBody = maxRequestBody;
        this.timeLimitNanos = TimeUnit.MILLISECONDS.toNanos(timeLimitMillis);
        this.nanoClock = nanoClock;
    }

    void run() {
        long started = nanoClock.getAsLong();
        Path root = null;
        Channel listening = null;
        int sent = 0;
        try {
            root = Files.createTempDirectory("opcached-warmup");
            Files.createFile(root.resolve(SCRIPT));
            WarmupScript script = new WarmupScript();
            RequestExecutor warmupExecutor = worker.executor().runningInstead((file, request, scriptStarting) -> {
                scriptStarting.run();
                BufferedResponse response = new BufferedResponse();
                script.handle(request, response);
                return new ScriptOutcome(response, ScriptOutcome.Fault.NONE, null);
            }, ROUNDS / 2);
            // Resolutions kept for the whole warm-up: the file goes after the first request (a
            // worker killed meanwhile leaves it behind for milliseconds, not for its whole warm-up),
            // and the later ones take the realpath cache's hit path, as real requests do.
            WorkerContext warmup = new WorkerContext(new DocumentRoot(root, 3_600, 1 << 16, () -> 0), warmupExecutor,
                    worker.inFlight(), new ServedRequests(0), worker.retirement(), worker.reports(), worker.pid(),
                    AccessLog.OFF);
            listening = server.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    new WorkerChannelInitializer(warmup, maxRequestBody));
            InetSocketAddress address = (InetSocketAddress) listening.localAddress();
            byte[] buffer = new byte[4096];
            while (sent < ROUNDS && nanoClock.getAsLong() - started < timeLimitNanos) {
                exchange(address, buffer);
                sent++;
                if (sent == 1) {
                    delete(root);
                    root = null;
                }
            }
            LOG.debug("warmed the request path with {} requests in {} ms", sent,
                    TimeUnit.NANOSECONDS.toMillis(nanoClock.getAsLong() - started));
        } catch (IOException | RuntimeException | InterruptedException e) {
            // Only speed is at stake: serve anyway.
            LOG.warn("warm-up of the request path stopped after {} requests: {}", sent, LogText.escape(e.toString()));
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        } finally {
            if (listening != null) {
                listening.close().syncUninterruptibly();
            }
            delete(root);
        }
    }

    private static final byte[] OK = "HTTP/1.1 200 ".getBytes(StandardCharsets.US_ASCII);

    /**
     * One request on a new connection, read to the end (the answer closes it); anything but a 200
     * (a 404 would warm only the short way) ends the warm-up.
     */
    private static void exchange(InetSocketAddress address, byte[] buffer) throws IOException {
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(REQUEST);
            out.flush();
            InputStream in = socket.getInputStream();
            // The status line's start stays at the buffer's head; the rest is read over and over.
            int total = 0;
            while (true) {
                int at = Math.min(total, OK.length);
                int n = in.read(buffer, at, buffer.length - at);
                if (n <= 0) {
                    break;
                }
                total += n;
            }
            if (total < OK.length || !Arrays.equals(buffer, 0, OK.length, OK, 0, OK.length)) {
                throw new IOException("the warm-up listener answered " + LogText.escape(
                        new String(buffer, 0, Math.min(total, OK.length), StandardCharsets.US_ASCII)));
            }
        }
    }

    private static void delete(Path root) {
        if (root == null) {
            return;
        }
        try {
            Files.deleteIfExists(root.resolve(SCRIPT));
            Files.deleteIfExists(root);
        } catch (IOException e) {
            LOG.warn("could not remove the warm-up's directory {}: {}", LogText.escape(root), LogText.escape(e.toString()));
        }
    }
}
