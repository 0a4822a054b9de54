package dev.opcached.daemon.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The hosts of one fleet in a test: each pool with its own docroot, state directory and file cache
 * (under {@code dir/<host>}), all of them sharing one redis-server and one fleet key file.
 */
public final class Fleet {
    private final Path dir;
    private final RedisServerProcess redis;

    public Fleet(Path dir, RedisServerProcess redis) {
        this.dir = dir;
        this.redis = redis;
    }

    /** The fleet key every host is given (made by the first pool that starts). */
    public Path keyFile() {
        return dir.resolve("fleet.key");
    }

    /**
     * Starts {@code host}'s pool of one worker on {@code docroot}, with {@code more} directives,
     * and returns it once its compiler's Redis level is up: the compiler connects in the
     * background, and compiles without Redis until then.
     */
    public PoolProcess pool(String host, Path docroot, String... more) throws Exception {
        List<String> directives = new ArrayList<>(List.of("opcache.revalidate_freq=0", "opcached.redis_url=" + redis.url(),
                "opcached.redis_key_file=" + keyFile(),
                // Generous: the first reads of a fresh compiler JVM on a loaded machine; the bound is tested in RedisStoreTest.
                "opcached.redis_timeout=2000"));
        directives.addAll(List.of(more));
        PoolProcess pool = PoolProcess.start(docroot, dir.resolve(host).resolve("shm"), host, 1,
                directives.toArray(String[]::new));
        try {
            Conditions.await(host + "'s Redis level up", () -> PoolMetrics.orZero(pool, "opcached_redis_up"), 1);
            return pool;
        } catch (Exception | Error e) {
            pool.close();
            throw e;
        }
    }

    /** {@code POST /reset} of {@code pool}, as {@code opcachectl reset} sends it; its answer, once it answered 200. */
    public static String reset(PoolProcess pool) throws Exception {
        return reset(pool, "/reset");
    }

    /**
     * {@code POST /reset?compile=0} of {@code pool}: a bare restart, which leaves the segment empty
     * (no compile first, nothing loaded back from the second level); its answer.
     */
    public static String bareReset(PoolProcess pool) throws Exception {
        return reset(pool, "/reset?compile=0");
    }

    private static String reset(PoolProcess pool, String route) throws Exception {
        String token = Files.readString(pool.tokenFile()).strip();
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create(pool.adminUrl() + route)).timeout(Duration.ofMinutes(2))
                        .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("/reset answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }
}
