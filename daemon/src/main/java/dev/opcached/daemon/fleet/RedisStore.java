package dev.opcached.daemon.fleet;

import dev.opcached.daemon.compile.FleetClaims;
import dev.opcached.daemon.config.Directives;
import dev.opcached.daemon.control.ProcessFigures;
import dev.opcached.daemon.filecache.EntryFormat;
import dev.opcached.daemon.filecache.FileCacheConfig;
import dev.opcached.daemon.filecache.Namespace;
import dev.opcached.daemon.filecache.RejectedEntryException;
import dev.opcached.daemon.filecache.SealKey;
import dev.opcached.daemon.filecache.UnitStore;
import dev.opcached.protocol.common.LogText;
import dev.opcached.protocol.unit.Sha256;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet's level of the compile path, in Redis: the file cache's sealed entries (the same
 * {@link EntryFormat}, sealed under the fleet key that every host shares) under
 * {@code opcached:v1:unit:<hex>} and {@code opcached:v1:source:<hex>}, each written with a TTL.
 * Redis is never on the path of correctness or availability: a read waits at most
 * {@code opcached.redis_timeout} and is otherwise a miss; a write is sent and not waited for;
 * while Redis is down ({@link RedisLink}) neither asks it anything. An entry that fails its seal
 * is a miss and a counter, logged once until the link changes state, and is overwritten when the
 * unit, compiled again, is stored. It also holds the fleet's compile claims
 * ({@code opcached:v1:claim:<source key>}, {@link FleetClaims}).
 */
public final class RedisStore implements UnitStore, FleetClaims, AutoCloseable {
    /**
     * Every key starts so (then the fleet key's {@link SealKey#id()}): another application's keys
     * in the same database are never touched, and hosts with different fleet keys (a host that made
     * its own, a key being rotated) never read, overwrite or wait on each other's entries.
     */
    public static final String KEY_PREFIX = "opcached:v" + EntryFormat.FORMAT_VERSION + ":";
    /** Writes sent and not yet answered, at most: beyond them a slow Redis costs writes, not memory. */
    static final int MAX_PENDING_WRITES = 256;
    /** The fleet key's file, as its messages name it; its creation tells the operator to copy it. */
    static final SealKey.Role FLEET_KEY = new SealKey.Role("fleet key", Directives.REDIS_KEY_FILE,
            ": copy this same file (mode 0600) to every host of the fleet, or no host trusts another's entries");
    private static final Logger LOG = LoggerFactory.getLogger(RedisStore.class);

    private final SealKey fleetKey;
    private final RedisLink link;
    private final long timeoutMillis;
    private final SetArgs ttl;
    private final Semaphore pendingWrites = new Semaphore(MAX_PENDING_WRITES);
    /** The link's state changes when a rejection was last logged: one line per state, not one per read. */
    private long rejectionLoggedAt = -1;
    private final AtomicBoolean writesFailing = new AtomicBoolean();
    private final AtomicBoolean refusing = new AtomicBoolean();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder stores = new LongAdder();
    private final LongAdder rejections = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder claimWaits = new LongAdder();
    private final LongAdder compilesSaved = new LongAdder();
    /** What a claim holds: who claimed, for an operator who looks (never trusted by a reader). */
    private final byte[] claimer = (hostName() + " " + ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8);

    RedisStore(RedisConfig config, SealKey fleetKey, char[] password) {
        this.fleetKey = fleetKey;
        this.timeoutMillis = config.timeoutMillis();
        this.ttl = SetArgs.Builder.ex(config.ttlSeconds());
        this.link = new RedisLink(config.url(), config.uri(password), config.tls().sslOptions(),
                Duration.ofMillis(Math.max(1_000, config.timeoutMillis())), config.timeoutMillis());
    }

    /**
     * The store {@code config} describes, its fleet key made at first start when missing; it
     * connects in the background (a Redis that is down only makes it start down).
     *
     * @throws IllegalArgumentException an unsafe key or password file, named with the fix
     */
    public static RedisStore open(RedisConfig config) throws IOException {
        return new RedisStore(config, SealKey.loadOrCreate(config.keyFile(), FLEET_KEY), RedisPassword.read(config));
    }

    /**
     * Checks what {@link #open} would refuse (a bad key or password file), and the TLS files a
     * connection will read, without connecting: the supervisor's start does this, so that a bad
     * value stops the start instead of the compiler.
     */
    public static void check(RedisConfig config) throws IOException {
        SealKey.loadOrCreate(config.keyFile(), FLEET_KEY);
        RedisPassword.read(config);
        config.tls().check();
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown-host";
        }
    }

    /** The Redis key of the claim on {@code sourceKey} under {@code fleetKey}. */
    public static byte[] claimKey(SealKey fleetKey, Sha256 sourceKey) {
        return (KEY_PREFIX + fleetKey.id() + ":claim:" + sourceKey.hex()).getBytes(StandardCharsets.US_ASCII);
    }

    /** The Redis key of {@code key} in {@code namespace} under {@code fleetKey}. */
    public static byte[] redisKey(SealKey fleetKey, Namespace namespace, Sha256 key) {
        return (KEY_PREFIX + fleetKey.id() + ":" + namespace.directoryName() + ":" + key.hex())
                .getBytes(StandardCharsets.US_ASCII);
    }

    byte[] claimKey(Sha256 sourceKey) {
        return claimKey(fleetKey, sourceKey);
    }

    byte[] redisKey(Namespace namespace, Sha256 key) {
        return redisKey(fleetKey, namespace, key);
    }

    @Override
    public Optional<byte[]> read(Namespace namespace, Sha256 key) {
        RedisAsyncCommands<byte[], byte[]> commands = link.commands();
        if (commands == null) {
            return miss();
        }
        // GETRANGE, not GET: a value larger than any entry (planted by whoever may write to Redis)
        // is never read whole; one byte past the largest entry says it is too large.
        Answer<byte[]> answer = await(commands.getrange(redisKey(namespace, key), 0, FileCacheConfig.MAX_ENTRY_LENGTH));
        byte[] entry = answer == null ? null : answer.value();
        if (entry == null || entry.length == 0) {
            return miss(); // nothing under the key (GETRANGE answers an empty string then)
        }
        try {
            if (entry.length > FileCacheConfig.MAX_ENTRY_LENGTH) {
                throw new RejectedEntryException(entry.length + " bytes, more than the largest entry ("
                        + FileCacheConfig.MAX_ENTRY_LENGTH + " bytes)");
            }
            byte[] body = EntryFormat.open(fleetKey, namespace, key, entry);
            hits.increment();
            return Optional.of(body);
        } catch (RejectedEntryException e) {
            rejected(namespace, key, e.getMessage());
            return miss();
        }
    }

    /** A command's answer, which may be null (nothing under the key, a SET NX that did not set). */
    private record Answer<T>(T value) {
    }

    /**
     * What {@code command} answered within {@code opcached.redis_timeout}, or null when it did not
     * (a timeout, a lost connection: the link hears of it; a refusal: logged once until commands
     * succeed again), counted.
     */
    private <T> Answer<T> await(RedisFuture<T> command) {
        try {
            T value = command.get(timeoutMillis, TimeUnit.MILLISECONDS);
            link.answered();
            if (refusing.compareAndSet(true, false)) {
                LOG.info("Redis answers commands again");
            }
            return new Answer<>(value);
        } catch (TimeoutException e) {
            timeouts.increment();
            link.failed(e);
        } catch (ExecutionException e) {
            errors.increment();
            if (e.getCause() instanceof RedisCommandExecutionException refused) {
                // Redis answered, refusing (an ACL without the command, say): up, but of no use; said once.
                if (refusing.compareAndSet(false, true)) {
                    LOG.warn("Redis refuses commands ({}); each is a miss (a compile) until they succeed again",
                            LogText.escape(String.valueOf(refused.getMessage())));
                }
            } else {
                link.failed(e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    private Optional<byte[]> miss() {
        misses.increment();
        return Optional.empty();
    }

    private void rejected(Namespace namespace, Sha256 key, String reason) {
        rejections.increment();
        long state = link.stateChanges();
        synchronized (this) {
            if (rejectionLoggedAt == state) {
                return;
            }
            rejectionLoggedAt = state;
        }
        LOG.warn("Redis entry {} rejected: {}; counted as a miss, compiled and stored again (further rejections are"
                + " counted, not logged, until Redis goes down or comes back)", LogText.escape(
                new String(redisKey(namespace, key), StandardCharsets.US_ASCII)), LogText.escape(reason));
    }

    @Override
    public void write(Namespace namespace, Sha256 key, byte[] body) {
        RedisAsyncCommands<byte[], byte[]> commands = link.commands();
        if (commands == null || body.length > FileCacheConfig.MAX_ENTRY_LENGTH - EntryFormat.OVERHEAD) {
            return;
        }
        if (!pendingWrites.tryAcquire()) {
            errors.increment();
            return;
        }
        byte[] entry = EntryFormat.seal(fleetKey, namespace, key, body);
        commands.set(redisKey(namespace, key), entry, ttl).whenComplete((ok, failure) -> {
            pendingWrites.release();
            if (failure == null) {
                stores.increment();
                link.answered();
                if (writesFailing.compareAndSet(true, false)) {
                    LOG.info("Redis writes succeed again");
                }
                return;
            }
            errors.increment();
            // A full Redis (OOM command not allowed, maxmemory-policy noeviction) answers, and stays up for reads.
            if (writesFailing.compareAndSet(false, true)) {
                LOG.warn("Redis writes fail ({}); entries are not stored in Redis until they succeed again",
                        LogText.escape(String.valueOf(failure.getMessage())));
            }
            if (!(failure instanceof RedisCommandExecutionException)) {
                link.failed(failure);
            }
        });
    }

    /** {@code SET opcached:v1:claim:<key> "<host> <pid>" NX PX millis}, waited for as a read is. */
    @Override
    public Claim claim(Sha256 sourceKey, long millis) {
        RedisAsyncCommands<byte[], byte[]> commands = link.commands();
        if (commands == null) {
            return Claim.UNKNOWN;
        }
        Answer<String> answer = await(commands.set(claimKey(sourceKey), claimer, SetArgs.Builder.nx().px(millis)));
        if (answer == null) {
            return Claim.UNKNOWN;
        }
        if ("OK".equals(answer.value())) {
            return Claim.OWNED;
        }
        claimWaits.increment();
        return Claim.HELD;
    }

    @Override
    public boolean held(Sha256 sourceKey) {
        RedisAsyncCommands<byte[], byte[]> commands = link.commands();
        if (commands == null) {
            return false;
        }
        Answer<Long> exists = await(commands.exists(claimKey(sourceKey)));
        return exists != null && exists.value() != null && exists.value() > 0;
    }

    @Override
    public void release(Sha256 sourceKey) {
        RedisAsyncCommands<byte[], byte[]> commands = link.commands();
        if (commands != null) {
            // Not waited for: a claim left behind only expires.
            commands.del(claimKey(sourceKey)).whenComplete((deleted, failure) -> {
                if (failure != null) {
                    errors.increment();
                }
            });
        }
    }

    @Override
    public void saved() {
        compilesSaved.increment();
    }

    /** Whether Redis answers now ({@code opcached_redis_up}). */
    public boolean up() {
        return link.up();
    }

    /** The counters for the compiler's figures report: {@code redis_hits}, ..., and {@code redis_up} (0 or 1). */
    public ProcessFigures figures() {
        Map<String, Long> counters = new LinkedHashMap<>();
        counters.put("redis_hits", hits.sum());
        counters.put("redis_misses", misses.sum());
        counters.put("redis_stores", stores.sum());
        counters.put("redis_rejections", rejections.sum());
        counters.put("redis_errors", errors.sum());
        counters.put("redis_timeouts", timeouts.sum());
        counters.put("redis_state_changes", link.stateChanges());
        counters.put("redis_claim_waits", claimWaits.sum());
        counters.put("redis_compiles_saved", compilesSaved.sum());
        counters.put("redis_up", link.up() ? 1L : 0L);
        return new ProcessFigures(counters, Map.of());
    }

    @Override
    public void close() {
        link.close();
    }
}
