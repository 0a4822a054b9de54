package dev.opcached.daemon;

import static dev.opcached.daemon.testing.Conditions.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.filecache.EntryFormat;
import dev.opcached.daemon.filecache.Namespace;
import dev.opcached.daemon.filecache.RejectedEntryException;
import dev.opcached.daemon.filecache.SealKey;
import dev.opcached.daemon.testing.BackdatedSources;
import dev.opcached.daemon.testing.Fleet;
import dev.opcached.daemon.testing.ModularRelease;
import dev.opcached.daemon.testing.PageLoad;
import dev.opcached.daemon.testing.PoolMetrics;
import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.RedisServerProcess;
import dev.opcached.protocol.segment.CachedEntry;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentKey;
import dev.opcached.protocol.segment.SegmentReader;
import dev.opcached.protocol.unit.CompileUnitCodec;
import dev.opcached.protocol.unit.Sha256;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fleet of three hosts, each with its own copy of the same 200-file release in a directory of
 * its own (its own state directory and file cache), sharing one redis-server and one fleet key,
 * every page asked for by several clients per host at once: each file asked for is compiled once
 * in the whole fleet, the next release only where it changed, a Redis killed and started again
 * costs no wrong answer and is used again by itself; and entries poisoned straight in Redis are
 * refused, counted and compiled again.
 *
 * <p>What is not once in the fleet, and is counted as such: the first release's modules. Fleet
 * claims are taken on the files asked for, not on the sources a batch compiles along with them,
 * and a batch compiles every source its roots use that the pool's segment lacks, so two hosts
 * compiling pages that share a module at the same time both compile the module (never asked for,
 * on up to every host). A release after that is compiled once: the units it replaces say what was
 * compiled against what, and the hosts compile and share it in that order.
 */
class FleetReleaseTest {
    private static final Logger LOG = LoggerFactory.getLogger(FleetReleaseTest.class);
    private static final int MODULES = 20;
    private static final int FILES = 200;
    private static final int CLIENTS_PER_POOL = 2;
    private static final List<String> HOSTS = List.of("host-a", "host-b", "host-c");
    /** The next release: a module another module uses, one of the upper half, and three pages. */
    private static final List<String> CHANGED = List.of("lib/M03.java", "lib/M17.java", "pages/P000.java",
            "pages/P090.java", "pages/P179.java");
    private static final Duration PASSES = Duration.ofSeconds(90);
    private final BackdatedSources sources = new BackdatedSources();

    @TempDir
    Path dir;

    /**
     * The pools serve with opcache.validate_timestamps=0, as a fleet deployed with resets does: a
     * release copied in place is served once the reset made it whole, never half copied (with
     * timestamps validated, the load would compile the half-copied states too, rightly, and the
     * fleet's compiles would depend on when the requests came).
     */
    @Test
    void aReleaseIsCompiledOnceInTheFleetTheNextWhereItChangedAndRedisMayDieMeanwhile() throws Exception {
        ModularRelease first = new ModularRelease(MODULES, FILES - MODULES, "r1");
        try (RedisServerProcess redis = RedisServerProcess.start()) {
            Fleet fleet = new Fleet(dir, redis);
            List<Path> docroots = new ArrayList<>();
            for (String host : HOSTS) {
                Path docroot = Files.createDirectories(dir.resolve(host).resolve("www"));
                first.write(docroot, sources);
                docroots.add(docroot.toRealPath());
            }
            RedisClient client = RedisClient.create(redis.url());
            List<PoolProcess> pools = new ArrayList<>();
            try (StatefulRedisConnection<String, String> look = client.connect()) {
                startAll(fleet, docroots, pools);

                // One release, every page asked for on every host at once.
                try (PageLoad load = PageLoad.start(pools, first.pages(), CLIENTS_PER_POOL,
                        (page, body) -> body.equals(first.answer(page)))) {
                    load.awaitPasses(1, PASSES);
                    assertThat(load.wrong()).as("%d wrong answers", load.wrongCount()).isEmpty();
                }
                // Who compiled what: a unit loaded from a level records no compile time.
                Map<String, List<String>> compiledOn = compiledOn(pools, docroots, first.files());
                LOG.info("release 1: compiles per host {}; compiled on more than one host: {}; {}", compiles(pools),
                        onMoreThanOne(compiledOn), figures(pools));
                assertThat(compiledOn.keySet()).as("every file compiled somewhere").isEqualTo(first.files());
                assertThat(sum(compiles(pools))).as("every compile counted is a unit compiled there")
                        .isEqualTo(compiledOn.values().stream().mapToLong(List::size).sum());
                for (String page : first.pages()) {
                    assertThat(compiledOn.get(page)).as("%s, asked for on every host, compiled on one", page)
                            .hasSize(1);
                }
                assertThat(onMoreThanOne(compiledOn).keySet())
                        .as("compiled on several hosts: only modules, never asked for")
                        .allMatch(file -> file.startsWith("lib/"));
                // A unit and a source record per file, written without a compile waiting for them.
                await("every file's entries in Redis", () -> look.sync().dbsize(), 2L * FILES);

                // The next release, copied over every host's copy, then every pool reset at once, under load.
                ModularRelease second = first.with("r2", CHANGED);
                Set<String> compiledAgain = first.compiledAgainBy(CHANGED);
                long before = sum(compiles(pools));
                List<Integer> logged = logged(pools);
                try (PageLoad load = PageLoad.start(pools, first.pages(), CLIENTS_PER_POOL,
                        (page, body) -> body.equals(first.answer(page)) || body.equals(second.answer(page)))) {
                    await("the load going", load::answers, 100);
                    deploy(second, docroots, CHANGED);
                    resetAll(pools);
                    load.check((page, body) -> body.equals(second.answer(page)));
                    load.awaitPasses(1, PASSES);
                    assertThat(load.wrong()).as("%d wrong answers", load.wrongCount()).isEmpty();
                }
                Map<String, List<String>> compiledAgainOn = compiledAsAskedFor(pools, docroots, compiledAgain, logged);
                long along = sum(compiles(pools)) - before - compiledAgain.size();
                LOG.info("release 2: {} changed, {} compiled again by the structure, {} more compiled along on a second"
                        + " host; compiles per host {}; {}", CHANGED.size(), compiledAgain.size(), along, compiles(pools),
                        figures(pools));
                assertThat(compiledAgainOn.keySet()).as("every changed file and dependent compiled")
                        .isEqualTo(compiledAgain);
                for (String file : compiledAgain) {
                    assertThat(compiledAgainOn.get(file)).as("%s compiled as asked for once in the fleet", file)
                            .hasSize(1);
                }
                // Each host compiles the changed modules first (the first wave: what the replaced units
                // were compiled against), takes the others' from Redis, then its pages against them.
                assertThat(along).as("beyond the changed files and their dependents, none").isZero();

                // Redis killed with SIGKILL under load: every pool keeps answering right, and compiles alone.
                ModularRelease third = second.with("r3", List.of("pages/P042.java"));
                ModularRelease fourth = third.with("r4", List.of("pages/P043.java"));
                try (PageLoad load = PageLoad.start(pools, first.pages(), CLIENTS_PER_POOL,
                        (page, body) -> body.equals(second.answer(page)))) {
                    await("the load going", load::answers, 100);
                    redis.kill();
                    for (PoolProcess pool : pools) {
                        await("Redis down for " + pool.port(),
                                () -> PoolMetrics.orZero(pool, "opcached_redis_up") == 0 ? 1 : 0, 1);
                    }
                    before = sum(compiles(pools));
                    release(load, second, third, docroots, List.of("pages/P042.java"), pools);
                    assertThat(sum(compiles(pools)) - before).as("the changed page on each host, Redis being down")
                            .isEqualTo(HOSTS.size());

                    // Started again, empty, on the same port: every pool uses it again by itself.
                    redis.restart();
                    for (PoolProcess pool : pools) {
                        await("Redis up again for " + pool.port(),
                                () -> PoolMetrics.orZero(pool, "opcached_redis_up"), 1);
                    }
                    assertThat(look.sync().dbsize()).as("a restarted Redis is empty").isZero();
                    before = sum(compiles(pools));
                    release(load, third, fourth, docroots, List.of("pages/P043.java"), pools);
                    assertThat(sum(compiles(pools)) - before).as("the changed page once in the fleet again")
                            .isEqualTo(1);
                    await("the new unit and its source record in Redis", () -> look.sync().dbsize(), 2);
                    load.awaitPasses(1, PASSES);
                    assertThat(load.wrong()).as("%d wrong answers", load.wrongCount()).isEmpty();
                }
                LOG.info("after Redis's restart: compiles per host {}, {}", compiles(pools), figures(pools));
                for (PoolProcess pool : pools) {
                    assertThat(pool.count("is down")).as("one line for the loss, on " + pool.port()).isEqualTo(1);
                    assertThat(pool.count(" is up:")).as("one line per connection, on " + pool.port()).isEqualTo(2);
                }
            } finally {
                closeAll(pools);
                client.shutdown();
            }
        }
    }

    /**
     * Entries poisoned straight in Redis, each in another way: a flipped byte, another key's entry
     * copied under a key, an entry sealed under another fleet key. A pool without a file cache
     * (Redis its only second level) refuses each, counts it, compiles the page, answers right and
     * stores a sound entry over the poisoned one; the sound entries beside them it uses.
     */
    @Test
    void entriesPoisonedInRedisAreRefusedCountedAndCompiledAgain() throws Exception {
        // Four modules, five pages: the last two use every module between them.
        ModularRelease release = new ModularRelease(4, 5, "r1");
        List<String> poisoned = List.of("pages/P000.java", "pages/P001.java", "pages/P002.java");
        List<String> sound = List.of("pages/P003.java", "pages/P004.java");
        try (RedisServerProcess redis = RedisServerProcess.start()) {
            Fleet fleet = new Fleet(dir, redis);
            Path docroot = Files.createDirectories(dir.resolve("host-d").resolve("www"));
            release.write(docroot, sources);
            RedisClient client = RedisClient.create(redis.url());
            try (StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
                 PoolProcess pool = fleet.pool("host-d", docroot, "opcache.file_cache=")) {
                RedisCommands<byte[], byte[]> redisCommands = connection.sync();
                for (String page : release.pages()) {
                    assertThat(pool.get("/" + page).body()).isEqualTo(release.answer(page));
                }
                assertThat(pool.statistics().compiles()).isEqualTo(release.files().size());
                await("every file's entries in Redis", redisCommands::dbsize, 2L * release.files().size());
                // No file cache, and a bare reset: the segment is empty, and every unit is looked for in Redis.
                Fleet.bareReset(pool);

                SealKey fleetKey = SealKey.load(fleet.keyFile());
                Map<String, byte[]> unitKeys = unitKeys(redisCommands, fleetKey);
                byte[] flipped = redisCommands.get(unitKeys.get("pages.P000"));
                flipped[flipped.length / 2] ^= 0x40;
                redisCommands.set(unitKeys.get("pages.P000"), flipped);
                redisCommands.set(unitKeys.get("pages.P001"), redisCommands.get(unitKeys.get("lib.M00")));
                redisCommands.set(unitKeys.get("pages.P002"), underAnotherFleetKey(fleetKey, unitKeys.get("pages.P002"),
                        redisCommands.get(unitKeys.get("pages.P002"))));

                long compiles = pool.statistics().compiles();
                for (String page : sound) {
                    assertThat(pool.get("/" + page).body()).isEqualTo(release.answer(page));
                }
                assertThat(pool.statistics().compiles()).as("the sound pages, and every module with them, from Redis")
                        .isEqualTo(compiles);
                // Each one refused (or the page would load as the sound ones did): compiled, and nothing else.
                for (String page : poisoned) {
                    HttpResponse<String> answer = pool.get("/" + page);
                    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
                    assertThat(answer.body()).isEqualTo(release.answer(page));
                    assertThat(pool.statistics().compiles()).as("%s compiled again", page).isEqualTo(++compiles);
                }
                await("the rejections counted", () -> PoolMetrics.orZero(pool, "opcached_redis_rejections_total"),
                        poisoned.size());
                for (String page : poisoned) {
                    String className = "pages." + page.substring("pages/".length(), page.length() - ".java".length());
                    await(page + "'s sound entry stored over the poisoned one",
                            () -> opens(fleetKey, unitKeys.get(className), redisCommands.get(unitKeys.get(className)))
                                    ? 1 : 0, 1);
                }
                LOG.info("poisoned: {} entries, {}", poisoned.size(), figures(List.of(pool)));
                assertThat(pool.count("Redis entry ")).as("one line for the rejections").isEqualTo(1);
            } finally {
                client.shutdown();
            }
        }
    }

    /** Starts a pool on each docroot, at once, into {@code pools}; a failure leaves those started there, to be closed. */
    private static void startAll(Fleet fleet, List<Path> docroots, List<PoolProcess> pools) throws Exception {
        ExecutorService starts = Executors.newFixedThreadPool(HOSTS.size());
        try {
            List<Future<PoolProcess>> started = new ArrayList<>();
            for (int i = 0; i < HOSTS.size(); i++) {
                String host = HOSTS.get(i);
                Path docroot = docroots.get(i);
                started.add(starts.submit(() -> fleet.pool(host, docroot, "opcache.validate_timestamps=0",
                        "opcache.max_accelerated_files=1000")));
            }
            Exception failed = null;
            for (Future<PoolProcess> pool : started) {
                try {
                    pools.add(pool.get());
                } catch (Exception e) {
                    failed = e;
                }
            }
            if (failed != null) {
                throw failed;
            }
        } finally {
            starts.shutdown();
        }
    }

    private static void closeAll(List<PoolProcess> pools) throws Exception {
        for (PoolProcess pool : pools) {
            pool.close();
        }
    }

    /** Copies {@code changed} of {@code next} over every host's copy, as a deploy does. */
    private void deploy(ModularRelease next, List<Path> docroots, List<String> changed) throws Exception {
        for (Path docroot : docroots) {
            next.write(docroot, sources, changed);
        }
    }

    /** Resets every pool at once, as {@code opcachectl --all reset} does; returns when all have answered. */
    private static void resetAll(List<PoolProcess> pools) throws Exception {
        ExecutorService resets = Executors.newFixedThreadPool(pools.size());
        try {
            List<Future<?>> done = new ArrayList<>();
            for (PoolProcess pool : pools) {
                done.add(resets.submit(() -> {
                    Fleet.reset(pool);
                    return null;
                }));
            }
            for (Future<?> reset : done) {
                reset.get();
            }
        } finally {
            resets.shutdown();
        }
    }

    /**
     * Deploys {@code changed} of {@code next} and resets every pool, under {@code load}: meanwhile
     * {@code last}'s answers or {@code next}'s, from then on only {@code next}'s.
     */
    private void release(PageLoad load, ModularRelease last, ModularRelease next, List<Path> docroots, List<String> changed,
                         List<PoolProcess> pools) throws Exception {
        load.check((page, body) -> body.equals(last.answer(page)) || body.equals(next.answer(page)));
        deploy(next, docroots, changed);
        resetAll(pools);
        load.check((page, body) -> body.equals(next.answer(page)));
    }

    private static List<Long> compiles(List<PoolProcess> pools) throws Exception {
        List<Long> compiles = new ArrayList<>();
        for (PoolProcess pool : pools) {
            compiles.add(pool.statistics().compiles());
        }
        return compiles;
    }

    private static long sum(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).sum();
    }

    /**
     * For each of {@code files}, the hosts whose segment holds a unit of it compiled there (one
     * loaded from a level records no compile time): who compiled what, when a count is off.
     */
    private static Map<String, List<String>> compiledOn(List<PoolProcess> pools, List<Path> docroots, Set<String> files)
            throws Exception {
        Map<String, List<String>> compiledOn = new TreeMap<>();
        for (int i = 0; i < pools.size(); i++) {
            try (SegmentReader segment = Segment.openReadOnly(pools.get(i).segment())) {
                for (String file : files) {
                    CachedEntry entry = segment.peek(SegmentKey.of(docroots.get(i).resolve(file).toString()));
                    if (entry != null && entry.metadata().compileMicros() > 0) {
                        compiledOn.computeIfAbsent(file, f -> new ArrayList<>()).add(HOSTS.get(i));
                    }
                }
            }
        }
        return compiledOn;
    }

    private static Map<String, List<String>> onMoreThanOne(Map<String, List<String>> compiledOn) {
        Map<String, List<String>> several = new TreeMap<>(compiledOn);
        several.values().removeIf(hosts -> hosts.size() == 1);
        return several;
    }

    /** How much each pool has logged so far. */
    private static List<Integer> logged(List<PoolProcess> pools) {
        return pools.stream().map(pool -> pool.supervisor().output().length()).toList();
    }

    /**
     * For each of {@code files}, a host for each time its compiler logged compiling it as a file
     * asked for (not along with one) since {@code logged}.
     */
    private static Map<String, List<String>> compiledAsAskedFor(List<PoolProcess> pools, List<Path> docroots,
                                                              Set<String> files, List<Integer> logged) {
        Map<String, List<String>> compiledOn = new TreeMap<>();
        for (int i = 0; i < pools.size(); i++) {
            String output = pools.get(i).supervisor().output().substring(logged.get(i));
            for (String file : files) {
                String line = "compiled " + docroots.get(i).resolve(file) + " in ";
                for (int at = output.indexOf(line); at >= 0; at = output.indexOf(line, at + 1)) {
                    compiledOn.computeIfAbsent(file, f -> new ArrayList<>()).add(HOSTS.get(i));
                }
            }
        }
        return compiledOn;
    }

    /** The fleet's figures of each pool, for the log: what single flight did, and what Redis did. */
    private static List<String> figures(List<PoolProcess> pools) {
        List<String> figures = new ArrayList<>();
        for (PoolProcess pool : pools) {
            StringBuilder line = new StringBuilder(Integer.toString(pool.port()));
            for (String name : List.of("hits", "misses", "stores", "rejections", "claim_waits", "compiles_saved", "errors",
                    "timeouts")) {
                line.append(' ').append(name).append('=')
                        .append(PoolMetrics.orZero(pool, "opcached_redis_" + name + "_total"));
            }
            figures.add(line.toString());
        }
        return figures;
    }

    /** The Redis key of each unit entry, by the binary name of the unit's first class. */
    private static Map<String, byte[]> unitKeys(RedisCommands<byte[], byte[]> redis, SealKey fleetKey) throws Exception {
        Map<String, byte[]> keys = new TreeMap<>();
        for (byte[] key : redis.keys("opcached:v1:" + fleetKey.id() + ":unit:*")) {
            byte[] body = EntryFormat.open(fleetKey, Namespace.UNIT, hashOf(key), redis.get(key));
            keys.put(CompileUnitCodec.decode(body).classes().get(0).binaryName(), key);
        }
        return keys;
    }

    /** The same unit, sealed under a fleet key of its own: what a host with another key would have written. */
    private static byte[] underAnotherFleetKey(SealKey fleetKey, byte[] key, byte[] entry) throws Exception {
        byte[] other = new byte[SealKey.LENGTH];
        new SecureRandom().nextBytes(other);
        byte[] body = EntryFormat.open(fleetKey, Namespace.UNIT, hashOf(key), entry);
        return EntryFormat.seal(SealKey.of(other), Namespace.UNIT, hashOf(key), body);
    }

    private static boolean opens(SealKey fleetKey, byte[] key, byte[] entry) {
        try {
            EntryFormat.open(fleetKey, Namespace.UNIT, hashOf(key), entry);
            return true;
        } catch (RejectedEntryException e) {
            return false;
        }
    }

    /** The hash a Redis key ends with ({@code opcached:v1:<key id>:unit:<hex>}). */
    private static Sha256 hashOf(byte[] key) {
        String text = new String(key, StandardCharsets.US_ASCII);
        return Sha256.parse(text.substring(text.lastIndexOf(':') + 1));
    }
}
