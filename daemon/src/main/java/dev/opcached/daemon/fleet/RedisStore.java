package dev.opcached.daemon.fleet;

import dev.opcached.daemon.filecache.EntryFormat;
import dev.opcached.daemon.filecache.FileCacheConfig;
import dev.opcached.daemon.filecache.Namespace;
import dev.opcached.daemon.filecache.RejectedEntryException;
import dev.opcached.daemon.filecache.SealKey;
import dev.opcached.daemon.filecache.UnitStore;
import dev.opcached.protocol.common.LogText;
import dev.opcached.protocol.unit.Sha256;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet's level of the compile path, in Redis: the file cache's sealed entries (the same
 * {@link EntryFormat}, sealed under the fleet key that every host shares) under {@link RedisKeys},
 * each written with a TTL. A read waits at most {@code opcached.redis_timeout} ({@link RedisCalls})
 * and is otherwise a miss; a write is sent and not waited for; while Redis is down neither asks it
 * anything. An entry that fails its seal is a miss and a counter, logged once until the link
 * changes state, and is overwritten when the unit, compiled again, is stored.
 */
public final class RedisStore implements UnitStore {
    /** Writes sent and not yet answered, at most: beyond them a slow Redis costs writes, not memory. */
    static final int MAX_PENDING_WRITES = 256;
    private static final Logger LOG = LoggerFactory.getLogger(RedisStore.class);

    private final SealKey fleetKey;
    private final RedisKeys keys;
    private final RedisCalls calls;
    private final SetArgs ttl;
    private final Semaphore pendingWrites = new Semaphore(MAX_PENDING_WRITES);
    /** The link's state changes when a rejection was last logged: one line per state, not one per read. */
    private long rejectionLoggedAt = -1;
    private final AtomicBoolean writesFailing = new AtomicBoolean();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder stores = new LongAdder();
    private final LongAdder rejections = new LongAdder();

    RedisStore(SealKey fleetKey, RedisKeys keys, RedisCalls calls, long ttlSeconds) {
        this.fleetKey = fleetKey;
        this.keys = keys;
        this.calls = calls;
        this.ttl = SetArgs.Builder.ex(ttlSeconds);
    }

    @Override
    public Optional<byte[]> read(Namespace namespace, Sha256 key) {
        return Optional.ofNullable(readAll(namespace, List.of(key)).get(key));
    }

    /** All of {@code keys} asked for at once (GETRANGE each, pipelined) and waited for under one bound. */
    @Override
    public Map<Sha256, byte[]> readAll(Namespace namespace, Collection<Sha256> keys) {
        Map<Sha256, byte[]> found = new LinkedHashMap<>();
        RedisAsyncCommands<byte[], byte[]> commands = calls.commands();
        if (commands == null) {
            misses.add(keys.size());
            return found;
        }
        List<Sha256> asked = List.copyOf(keys);
        List<RedisFuture<byte[]>> sent = new ArrayList<>(asked.size());
        for (Sha256 key : asked) {
            // GETRANGE, not GET: a value larger than any entry (planted by whoever may write to Redis)
            // is never read whole; one byte past the largest entry says it is too large.
            sent.add(commands.getrange(this.keys.entry(namespace, key), 0, FileCacheConfig.MAX_ENTRY_LENGTH));
        }
        List<RedisCalls.Answer<byte[]>> answers = calls.awaitAll(sent, "reads");
        for (int i = 0; i < asked.size(); i++) {
            byte[] body = open(namespace, asked.get(i), answers.get(i));
            if (body == null) {
                misses.increment();
            } else {
                hits.increment();
                found.put(asked.get(i), body);
            }
        }
        return found;
    }

    /** The body in {@code answer} if it is exactly what this fleet filed under {@code key}, else null. */
    private byte[] open(Namespace namespace, Sha256 key, RedisCalls.Answer<byte[]> answer) {
        byte[] entry = answer == null ? null : answer.value();
        if (entry == null || entry.length == 0) {
            return null; // no answer, or nothing under the key (GETRANGE answers an empty string then)
        }
        try {
            if (entry.length > FileCacheConfig.MAX_ENTRY_LENGTH) {
                throw new RejectedEntryException(entry.length + " bytes, more than the largest entry ("
                        + FileCacheConfig.MAX_ENTRY_LENGTH + " bytes)");
            }
            return EntryFormat.open(fleetKey, namespace, key, entry);
        } catch (RejectedEntryException e) {
            rejected(namespace, key, e.getMessage());
            return null;
        }
    }

    private void rejected(Namespace namespace, Sha256 key, String reason) {
        rejections.increment();
        long state = calls.stateChanges();
        synchronized (this) {
            if (rejectionLoggedAt == state) {
                return;
            }
            rejectionLoggedAt = state;
        }
        LOG.warn("Redis entry {} rejected: {}; counted as a miss, compiled and stored again (further rejections are"
                + " counted, not logged, until Redis goes down or comes back)", LogText.escape(
                new String(keys.entry(namespace, key), StandardCharsets.US_ASCII)), LogText.escape(reason));
    }

    @Override
    public void write(Namespace namespace, Sha256 key, byte[] body) {
        RedisAsyncCommands<byte[], byte[]> commands = calls.commands();
        if (commands == null || body.length > FileCacheConfig.MAX_ENTRY_LENGTH - EntryFormat.OVERHEAD) {
            return;
        }
        if (!pendingWrites.tryAcquire()) {
            calls.notSent();
            return;
        }
        byte[] entry = EntryFormat.seal(fleetKey, namespace, key, body);
        calls.whenDone(commands.set(keys.entry(namespace, key), entry, ttl), () -> {
            pendingWrites.release();
            stores.increment();
            if (writesFailing.compareAndSet(true, false)) {
                LOG.info("Redis writes succeed again");
            }
        }, failure -> {
            pendingWrites.release();
            // A full Redis (OOM command not allowed, maxmemory-policy noeviction) answers, and stays up for reads.
            if (writesFailing.compareAndSet(false, true)) {
                LOG.warn("Redis writes fail ({}); entries are not stored in Redis until they succeed again",
                        LogText.escape(String.valueOf(failure.getMessage())));
            }
        });
    }

    /** {@code redis_hits}, {@code redis_misses}, {@code redis_stores}, {@code redis_rejections}. */
    void addFigures(Map<String, Long> counters) {
        counters.put("redis_hits", hits.sum());
        counters.put("redis_misses", misses.sum());
        counters.put("redis_stores", stores.sum());
        counters.put("redis_rejections", rejections.sum());
    }
}
