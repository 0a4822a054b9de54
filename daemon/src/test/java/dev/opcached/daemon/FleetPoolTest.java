package dev.opcached.daemon;

import static dev.opcached.daemon.testing.Conditions.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.BackdatedSources;
import dev.opcached.daemon.testing.Fleet;
import dev.opcached.daemon.testing.PoolMetrics;
import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.RedisServerProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two pools of a fleet, each with its own copy of the same release in a directory of its own, its
 * own state directory and file cache, sharing one redis-server and one fleet key: what one pool
 * compiled, the other serves without compiling, and a change deployed to both is compiled once.
 */
class FleetPoolTest {
    private static final int PAGES = 4;
    private final BackdatedSources sources = new BackdatedSources();

    @TempDir
    Path dir;

    private Path release(String host, String version) throws Exception {
        Path docroot = Files.createDirectories(dir.resolve(host).resolve("releases/42"));
        for (int m = 0; m < 2; m++) {
            sources.write(docroot, "mod/M" + m + ".java", "package mod;\npublic class M" + m
                    + " {\n    public static String v() { return \"" + version + "\"; }\n}\n");
        }
        for (int p = 0; p < PAGES; p++) {
            page(docroot, p, "");
        }
        return docroot;
    }

    private void page(Path docroot, int p, String suffix) throws Exception {
        sources.write(docroot, "page" + p + ".java", "import dev.opcached.script.*;\npublic class page" + p
                + " implements Script {\n    public void handle(Request q, Response r) {\n"
                + "        r.write(\"page" + p + " \" + mod.M" + (p % 2) + ".v() + \"" + suffix + "\");\n    }\n}\n");
    }

    private static void requestAll(PoolProcess pool, String version, int changed) throws Exception {
        for (int p = 0; p < PAGES; p++) {
            HttpResponse<String> response = pool.get("/page" + p + ".java");
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("page" + p + " " + version + (p == changed ? " changed" : ""));
        }
    }

    @Test
    void whatOnePoolCompiledTheOtherServesWithoutCompilingAndAChangeIsCompiledOnceInTheFleet() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.start()) {
            Fleet fleet = new Fleet(dir, redis);
            RedisClient client = RedisClient.create(redis.url());
            try (StatefulRedisConnection<String, String> look = client.connect()) {
                Path first = release("host-a", "v1");
                Path second = release("host-b", "v1");
                try (PoolProcess a = fleet.pool("host-a", first); PoolProcess b = fleet.pool("host-b", second)) {
                    requestAll(a, "v1", -1);
                    assertThat(a.statistics().compiles()).as("four pages and two modules").isEqualTo(PAGES + 2);
                    // A unit and a source record per file, written without the compile waiting for them.
                    await("entries in Redis", () -> look.sync().dbsize(), 2L * (PAGES + 2));

                    requestAll(b, "v1", -1);
                    assertThat(b.statistics().compiles()).as("every unit from Redis, none compiled").isZero();
                    // Each page's source record and unit, and each module's unit once: the second page
                    // using a module finds it in the file cache, which the first one's Redis hit filled.
                    // (The compiler's figures reach the supervisor about once a second.)
                    await("Redis hits in the metrics", () -> PoolMetrics.orZero(b, "opcached_redis_hits_total"),
                            2L * PAGES + 2);
                    assertThat(PoolMetrics.value(b, "opcached_redis_up")).isEqualTo(1);
                    assertThat(PoolMetrics.value(b, "opcached_redis_rejections_total")).isZero();
                    // Without a file cache, Redis is the second level alone.
                    Path third = release("host-c", "v1");
                    try (PoolProcess c = fleet.pool("host-c", third, "opcache.file_cache=")) {
                        requestAll(c, "v1", -1);
                        assertThat(c.statistics().compiles()).as("no file cache: every unit from Redis").isZero();
                        // Its reset compiles the changed file first, into Redis, and loads the rest back from there.
                        page(third, 1, " changed");
                        assertThat(Fleet.reset(c)).contains("\"compiled_first\":1");
                        requestAll(c, "v1", 1);
                        assertThat(c.statistics().compiles()).as("the changed page alone").isEqualTo(1);
                    }

                    // The next release changes page0 on both hosts: one compile in the whole fleet.
                    page(first, 0, " changed");
                    page(second, 0, " changed");
                    requestAll(a, "v1", 0);
                    assertThat(a.statistics().compiles()).isEqualTo(PAGES + 2 + 1);
                    await("the changed unit in Redis", () -> look.sync().dbsize(), 2L * (PAGES + 2) + 2);
                    requestAll(b, "v1", 0);
                    assertThat(b.statistics().compiles()).as("the change came from Redis too").isZero();

                    // (Entries poisoned in Redis: FleetReleaseTest.)
                    // The second host's file cache was backfilled: after a Redis loss it still compiles nothing.
                    redis.kill();
                    await("down for the second pool", () -> PoolMetrics.orZero(b, "opcached_redis_up") == 0 ? 1 : 0, 1);
                    Fleet.reset(b);
                    requestAll(b, "v1", 0);
                    assertThat(b.statistics().compiles()).as("from its own file cache, Redis being down").isZero();
                    assertThat(b.supervisor().output()).as("one line for the change").containsOnlyOnce("is down");
                }
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void aUnitAnotherHostIsCompilingIsWaitedForAndAClaimThatExpiresIsCompiledHere() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.start()) {
            Fleet fleet = new Fleet(dir, redis);
            RedisClient client = RedisClient.create(redis.url());
            try (StatefulRedisConnection<byte[], byte[]> look = client.connect(ByteArrayCodec.INSTANCE)) {
                Path first = Files.createDirectories(dir.resolve("host-a/www"));
                Path second = Files.createDirectories(dir.resolve("host-b/www"));
                for (Path docroot : List.of(first, second)) {
                    sources.write(docroot, "solo.java", "import dev.opcached.script.*;\npublic class solo implements Script {\n"
                            + "    public void handle(Request q, Response r) {\n        r.write(\"solo\");\n    }\n}\n");
                }
                try (PoolProcess a = fleet.pool("host-a", first)) {
                    assertThat(a.get("/solo.java").body()).isEqualTo("solo");
                    await("the unit and its source record in Redis", () -> look.sync().dbsize(), 2);
                }
                List<byte[]> records = look.sync().keys("opcached:v1:*:source:*");
                assertThat(records).hasSize(1);
                byte[] sourceKey = records.get(0);
                byte[] claimKey = new String(sourceKey, StandardCharsets.US_ASCII).replace(":source:", ":claim:")
                        .getBytes(StandardCharsets.US_ASCII);
                byte[] record = look.sync().get(sourceKey);
                // As if host-a were compiling it now: its claim is live and its entry not yet there.
                look.sync().del(sourceKey);
                look.sync().set(claimKey, "host-a".getBytes(StandardCharsets.US_ASCII), SetArgs.Builder.px(60_000));
                ExecutorService requests = Executors.newSingleThreadExecutor();
                try (PoolProcess b = fleet.pool("host-b", second, "opcache.file_cache=")) {
                    Future<HttpResponse<String>> answer = requests.submit(() -> b.get("/solo.java"));
                    await("host-b waits on host-a's claim",
                            () -> PoolMetrics.orZero(b, "opcached_redis_claim_waits_total"), 1);
                    // host-a stores, then releases its claim: host-b's wait ends on the release, not the claim's life.
                    look.sync().set(sourceKey, record);
                    look.sync().del(claimKey);
                    assertThat(answer.get(60, TimeUnit.SECONDS).body()).isEqualTo("solo");
                    assertThat(b.statistics().compiles()).as("taken from host-a's compile").isZero();
                    await("a compile saved", () -> PoolMetrics.orZero(b, "opcached_redis_compiles_saved_total"), 1);

                    // A claimer that died: its claim expires, and the waiting host compiles itself.
                    look.sync().del(sourceKey);
                    look.sync().set(claimKey, "host-a".getBytes(StandardCharsets.US_ASCII), SetArgs.Builder.px(1_500));
                    Fleet.reset(b);
                    assertThat(b.get("/solo.java").body()).isEqualTo("solo");
                    assertThat(b.statistics().compiles()).as("compiled here once the claim expired").isEqualTo(1);
                    await("the second wait counted", () -> PoolMetrics.orZero(b, "opcached_redis_claim_waits_total"), 2);
                    assertThat(PoolMetrics.value(b, "opcached_redis_compiles_saved_total")).as("none saved by it").isEqualTo(1);
                } finally {
                    requests.shutdownNow();
                }
            } finally {
                client.shutdown();
            }
        }
    }

}
