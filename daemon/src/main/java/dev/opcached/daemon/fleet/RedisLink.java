package dev.opcached.daemon.fleet;

import dev.opcached.protocol.common.LogText;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.DefaultClientResources;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one shared connection to the fleet's Redis and whether it is usable: up or down, with one
 * log line per change of state, never one per request. While it is down no command is sent but
 * a PING about once a second (and a connection attempt, should none have been made yet), so that
 * a dead or saturated Redis costs a compile nothing; Lettuce reconnects by itself, and the next
 * PING that is answered brings the link up again.
 */
final class RedisLink implements AutoCloseable {
    /** How often the probe asks (a PING, or a connection attempt). */
    static final long PROBE_MILLIS = 1_000;
    /** Timeouts in a row after which a Redis that still accepts commands counts as down (slow, or swapping). */
    static final int TIMEOUTS_TO_DOWN = 3;
    private static final Logger LOG = LoggerFactory.getLogger(RedisLink.class);

    private enum State { STARTING, UP, DOWN }

    private final String name;
    private final RedisURI uri;
    private final ClientResources resources;
    private final RedisClient client;
    private final ScheduledExecutorService probe;
    private final LongAdder stateChanges = new LongAdder();
    private volatile StatefulRedisConnection<byte[], byte[]> connection;
    private volatile State state = State.STARTING;
    private int timeoutsInARow;

    /** How fast a PING must be answered for a link that is down to come up. */
    private final long upWithinMillis;

    /**
     * Starts probing {@code uri} at once, on a thread of its own: nothing here waits for Redis.
     *
     * @param tls the TLS trust and client certificate, for a {@code rediss://} {@code uri}
     * @param commandTimeout the longest any command may stay pending (reads are waited for far
     *     less; this bounds what a slow Redis can pile up)
     * @param upWithinMillis how fast a PING must be answered for a link that is down to come up
     *     (opcached.redis_timeout, what a read waits)
     */
    RedisLink(String name, RedisURI uri, SslOptions tls, Duration commandTimeout, long upWithinMillis) {
        this.upWithinMillis = upWithinMillis;
        this.name = name;
        this.uri = uri;
        uri.setTimeout(commandTimeout);
        // A couple of threads are plenty for one connection; reconnect attempts at most a second apart.
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(1)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofMillis(PROBE_MILLIS), 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources);
        client.setOptions(ClientOptions.builder().autoReconnect(true)
                // A command for a Redis that is away fails at once instead of waiting in a queue.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .sslOptions(tls)
                .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofMillis(PROBE_MILLIS)).keepAlive(true).build())
                .build());
        this.probe = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("redis-probe", true));
        probe.scheduleWithFixedDelay(this::probe, 0, PROBE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** The commands to send now, or null while the link is down (or not up yet): the caller counts a miss. */
    RedisAsyncCommands<byte[], byte[]> commands() {
        StatefulRedisConnection<byte[], byte[]> open = connection;
        return state == State.UP && open != null ? open.async() : null;
    }

    /** Whether the last PING or command was answered (not down, and past the first connection). */
    boolean up() {
        return state == State.UP;
    }

    /** Every change of state so far, the first connection's included. */
    long stateChanges() {
        return stateChanges.sum();
    }

    /** A command waited for was answered within the bound (a late answer, or an unwaited one, is no sign). */
    synchronized void answered() {
        timeoutsInARow = 0;
    }

    /** A command failed: a connection that is gone, or too many timeouts in a row, bring the link down. */
    synchronized void failed(Throwable cause) {
        StatefulRedisConnection<byte[], byte[]> open = connection;
        boolean timeout = cause instanceof TimeoutException || cause instanceof RedisCommandTimeoutException;
        if (timeout && open != null && open.isOpen() && ++timeoutsInARow < TIMEOUTS_TO_DOWN) {
            return;
        }
        wentDown(cause);
    }

    private void probe() {
        try {
            StatefulRedisConnection<byte[], byte[]> open = connection;
            if (open == null) {
                // Lettuce reconnects a connection it once made; the first one is ours to retry.
                open = client.connect(ByteArrayCodec.INSTANCE, uri);
                connection = open;
            }
            long asked = System.nanoTime();
            String pong = open.async().ping().get(PROBE_MILLIS, TimeUnit.MILLISECONDS);
            long answeredMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked);
            if ("PONG".equals(pong)) {
                // Down, it comes up only when it answers as fast as a read may wait: a Redis that
                // is slower than that would time the reads out again, and the link would flap.
                // Up, a PING slower than that counts as a timed-out read does.
                if (answeredMillis <= upWithinMillis) {
                    wentUp();
                } else if (up()) {
                    failed(new TimeoutException("PING answered after " + answeredMillis + " ms"));
                }
            } else {
                wentDown(new IllegalStateException("PING answered " + pong));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            wentDown(e);
        }
    }

    private synchronized void wentUp() {
        timeoutsInARow = 0;
        if (state != State.UP) {
            state = State.UP;
            stateChanges.increment();
            LOG.info("Redis {} is up: units missing on this host are looked for there, and compiled ones stored", name);
        }
    }

    private synchronized void wentDown(Throwable cause) {
        if (state != State.DOWN) {
            state = State.DOWN;
            stateChanges.increment();
            LOG.warn("Redis {} is down ({}): this pool compiles what it misses locally, and asks Redis nothing but a"
                    + " PING every {} ms until it answers", name, LogText.escape(reason(cause)), PROBE_MILLIS);
        }
    }

    /**
     * The innermost cause, which says what went wrong; for TLS, said to be TLS (its innermost
     * cause, a certificate path or a subject alternative name, may not say so).
     */
    private static String reason(Throwable cause) {
        Throwable root = cause;
        String tls = "";
        while (true) {
            if (tls.isEmpty() && root instanceof SSLException) {
                tls = root instanceof SSLHandshakeException ? "TLS handshake failed: " : "TLS: ";
            }
            if (root.getCause() == null || root.getCause() == root) {
                break;
            }
            root = root.getCause();
        }
        String message = root.getMessage();
        return tls + root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    @Override
    public void close() {
        probe.shutdownNow();
        StatefulRedisConnection<byte[], byte[]> open = connection;
        if (open != null) {
            open.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
