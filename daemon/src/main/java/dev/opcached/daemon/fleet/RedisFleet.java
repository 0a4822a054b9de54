package dev.opcached.daemon.fleet;

import dev.opcached.daemon.compile.FleetClaims;
import dev.opcached.daemon.config.Directives;
import dev.opcached.daemon.control.ProcessFigures;
import dev.opcached.daemon.filecache.SealKey;
import dev.opcached.daemon.filecache.UnitStore;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A compiler process's part of the fleet: the one connection to the fleet's Redis
 * ({@link RedisLink}), the units filed there ({@link RedisStore}) and the compile claims
 * ({@link RedisClaims}), both waiting on it through {@link RedisCalls}; their figures together.
 */
public final class RedisFleet implements AutoCloseable {
    /** The fleet key's file, as its messages name it; its creation tells the operator to copy it. */
    static final SealKey.Role FLEET_KEY = new SealKey.Role("fleet key", Directives.REDIS_KEY_FILE,
            ": copy this same file (mode 0600) to every host of the fleet, or no host trusts another's entries");

    private final RedisLink link;
    private final RedisCalls calls;
    private final RedisKeys keys;
    private final RedisStore store;
    private final RedisClaims claims;

    RedisFleet(RedisConfig config, SealKey fleetKey, char[] password) {
        this.link = new RedisLink(config.serverUrl(), config.uri(password), config.tls().sslOptions(),
                Duration.ofMillis(Math.max(1_000, config.timeoutMillis())), config.timeoutMillis());
        this.calls = new RedisCalls(link, config.timeoutMillis());
        this.keys = new RedisKeys(fleetKey);
        this.store = new RedisStore(fleetKey, keys, calls, config.ttlSeconds());
        this.claims = new RedisClaims(keys, calls);
    }

    /**
     * The fleet {@code config} describes, its fleet key made at first start when missing; it
     * connects in the background (a Redis that is down only makes it start down).
     *
     * @throws IllegalArgumentException an unsafe key or password file, named with the fix
     */
    public static RedisFleet open(RedisConfig config) throws IOException {
        return new RedisFleet(config, SealKey.loadOrCreate(config.keyFile(), FLEET_KEY), RedisPassword.read(config));
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

    /** The units filed in the fleet: the compile path's last level. */
    public UnitStore store() {
        return store;
    }

    /** Single flight across the fleet. */
    public FleetClaims claims() {
        return claims;
    }

    /** The names of this fleet's keys. */
    RedisKeys keys() {
        return keys;
    }

    /** Whether Redis answers now ({@code opcached_redis_up}). */
    public boolean up() {
        return link.up();
    }

    /** The counters for the compiler's figures report: {@code redis_hits}, ..., and {@code redis_up} (0 or 1). */
    public ProcessFigures figures() {
        Map<String, Long> counters = new LinkedHashMap<>();
        store.addFigures(counters);
        counters.put("redis_errors", calls.errors());
        counters.put("redis_timeouts", calls.timeouts());
        counters.put("redis_state_changes", link.stateChanges());
        claims.addFigures(counters);
        counters.put("redis_up", link.up() ? 1L : 0L);
        return new ProcessFigures(counters, Map.of());
    }

    @Override
    public void close() {
        link.close();
    }
}
