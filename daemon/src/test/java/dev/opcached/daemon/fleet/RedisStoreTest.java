package dev.opcached.daemon.fleet;

import static dev.opcached.daemon.testing.Conditions.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.opcached.daemon.compile.FleetClaims;
import dev.opcached.daemon.filecache.Namespace;
import dev.opcached.daemon.filecache.SealKey;
import dev.opcached.daemon.testing.RedisServerProcess;
import dev.opcached.protocol.unit.Sha256;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The fleet's store against a real redis-server: entries go there sealed under the fleet key,
 * with a TTL; whatever is not exactly what this fleet wrote under that key is rejected and
 * counted; a killed Redis costs a read nothing but a miss, is logged once, and is found again by
 * itself once it is back; AUTH with a password from a file.
 */
class RedisStoreTest {
    /** Generous: the machine runs other tests; the bound is what is checked, not how fast Redis is. */
    private static final long TIMEOUT_MILLIS = 2_000;

    @TempDir
    Path dir;

    private RedisServerProcess redis;
    private final ListAppender<ILoggingEvent> linkLog = new ListAppender<>();
    private final ListAppender<ILoggingEvent> storeLog = new ListAppender<>();
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeEach
    void startRedis() throws Exception {
        redis = RedisServerProcess.start();
        linkLog.start();
        ((Logger) LoggerFactory.getLogger(RedisLink.class)).addAppender(linkLog);
        storeLog.start();
        ((Logger) LoggerFactory.getLogger(RedisStore.class)).addAppender(storeLog);
        ((Logger) LoggerFactory.getLogger(RedisCalls.class)).addAppender(storeLog);
    }

    @AfterEach
    void stop() throws Exception {
        ((Logger) LoggerFactory.getLogger(RedisLink.class)).detachAppender(linkLog);
        ((Logger) LoggerFactory.getLogger(RedisStore.class)).detachAppender(storeLog);
        ((Logger) LoggerFactory.getLogger(RedisCalls.class)).detachAppender(storeLog);
        for (AutoCloseable closeable : opened) {
            closeable.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private static SealKey randomKey() {
        byte[] bytes = new byte[SealKey.LENGTH];
        new SecureRandom().nextBytes(bytes);
        return SealKey.of(bytes);
    }

    private static Sha256 key(int n) {
        return Sha256.of(("unit " + n).getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] body(int n) {
        return ("the classes of unit " + n).getBytes(StandardCharsets.UTF_8);
    }

    private RedisConfig config(String url, Path passwordFile) {
        return new RedisConfig(url, passwordFile, dir.resolve("fleet.key"), 3_600, TIMEOUT_MILLIS, RedisTls.DEFAULT);
    }

    private RedisFleet store(SealKey key) {
        return store(key, config(redis.url(), null));
    }

    private RedisFleet store(SealKey key, RedisConfig config) {
        RedisFleet store = new RedisFleet(config, key, null);
        opened.add(store);
        return store;
    }

    /** A plain client of the test's own, to look at and tamper with what the store wrote. */
    private RedisCommands<byte[], byte[]> raw(String password) {
        RedisURI uri = RedisURI.create(redis.url());
        if (password != null) {
            uri.setAuthentication(password);
        }
        RedisClient client = RedisClient.create(uri);
        StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
        opened.add(client::shutdown);
        opened.add(0, connection);
        return connection.sync();
    }

    private static FleetClaims.Claim claim(RedisFleet fleet, Sha256 key, long millis) {
        return fleet.claims().claim(List.of(key), millis).get(key);
    }

    private static boolean held(RedisFleet fleet, Sha256 key) {
        return fleet.claims().held(List.of(key)).contains(key);
    }

    private static long figure(RedisFleet store, String name) {
        return store.figures().counter(name);
    }

    private static void writeAndAwait(RedisFleet store, Namespace namespace, Sha256 key, byte[] body)
            throws InterruptedException {
        long before = figure(store, "redis_stores");
        store.store().write(namespace, key, body);
        await("Redis confirmed the write", () -> figure(store, "redis_stores") > before);
    }

    private List<String> lines(ListAppender<ILoggingEvent> log, String containing) {
        synchronized (log) {
            return log.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains(containing)).toList();
        }
    }

    @Test
    void anEntryComesBackAsItWasWrittenSealedUnderItsVersionedKeyWithATtl() throws Exception {
        SealKey fleet = randomKey();
        RedisFleet store = store(fleet);
        await("up", store::up);
        assertThat(store.store().read(Namespace.UNIT, key(1))).as("nothing there yet").isEmpty();

        writeAndAwait(store, Namespace.UNIT, key(1), body(1));
        writeAndAwait(store, Namespace.SOURCE, key(1), body(2));

        assertThat(store.store().read(Namespace.UNIT, key(1))).hasValueSatisfying(b -> assertThat(b).isEqualTo(body(1)));
        assertThat(store.store().read(Namespace.SOURCE, key(1))).as("the namespaces are apart")
                .hasValueSatisfying(b -> assertThat(b).isEqualTo(body(2)));
        assertThat(store.store().readAll(Namespace.UNIT, List.of(key(9), key(1)))).as("asked together, one of two there")
                .containsOnlyKeys(key(1));
        RedisCommands<byte[], byte[]> raw = raw(null);
        byte[] redisKey = ("opcached:v1:" + fleet.id() + ":unit:" + key(1).hex()).getBytes(StandardCharsets.US_ASCII);
        assertThat(fleet.id()).as("the key's public name").matches("[0-9a-f]{16}").isNotEqualTo(randomKey().id());
        assertThat(store.keys().entry(Namespace.UNIT, key(1))).isEqualTo(redisKey);
        assertThat(raw.ttl(redisKey)).as("opcached.redis_ttl").isBetween(1L, 3_600L);
        assertThat(new String(raw.get(redisKey), StandardCharsets.ISO_8859_1)).as("sealed, not the bare body")
                .startsWith("OPFC").doesNotEndWith(new String(body(1), StandardCharsets.ISO_8859_1));
        assertThat(figure(store, "redis_hits")).isEqualTo(3);
        assertThat(figure(store, "redis_misses")).isEqualTo(2);
        assertThat(figure(store, "redis_up")).isEqualTo(1);
        assertThat(figure(store, "redis_rejections")).isZero();
    }

    @Test
    void aFlippedByteAnotherKeysEntryAndAnotherFleetKeysEntryAreEachRejectedAndCounted() throws Exception {
        SealKey fleet = randomKey();
        RedisFleet store = store(fleet);
        RedisFleet otherFleet = store(randomKey());
        await("up", () -> store.up() && otherFleet.up());
        RedisCommands<byte[], byte[]> raw = raw(null);
        writeAndAwait(store, Namespace.UNIT, key(1), body(1));
        writeAndAwait(store, Namespace.UNIT, key(2), body(2));
        writeAndAwait(otherFleet, Namespace.UNIT, key(3), body(3));

        byte[] flipped = raw.get(store.keys().entry(Namespace.UNIT, key(1)));
        flipped[flipped.length / 2] ^= 0x40;
        raw.set(store.keys().entry(Namespace.UNIT, key(1)), flipped);
        assertThat(store.store().read(Namespace.UNIT, key(1))).as("a flipped byte").isEmpty();
        assertThat(figure(store, "redis_rejections")).isEqualTo(1);

        raw.set(store.keys().entry(Namespace.UNIT, key(4)), raw.get(store.keys().entry(Namespace.UNIT, key(2))));
        assertThat(store.store().read(Namespace.UNIT, key(4))).as("another key's entry, copied").isEmpty();
        raw.set(store.keys().entry(Namespace.SOURCE, key(2)), raw.get(store.keys().entry(Namespace.UNIT, key(2))));
        assertThat(store.store().read(Namespace.SOURCE, key(2))).as("another namespace's entry, copied").isEmpty();
        assertThat(figure(store, "redis_rejections")).isEqualTo(3);

        assertThat(store.store().read(Namespace.UNIT, key(3))).as("another fleet key's entries are under other keys").isEmpty();
        assertThat(figure(store, "redis_rejections")).isEqualTo(3);
        raw.set(store.keys().entry(Namespace.UNIT, key(3)), raw.get(otherFleet.keys().entry(Namespace.UNIT, key(3))));
        assertThat(store.store().read(Namespace.UNIT, key(3))).as("sealed under another fleet key, copied under ours").isEmpty();
        byte[] truncated = raw.get(store.keys().entry(Namespace.UNIT, key(2)));
        raw.set(store.keys().entry(Namespace.UNIT, key(2)), Arrays.copyOf(truncated, truncated.length - 1));
        assertThat(store.store().read(Namespace.UNIT, key(2))).as("truncated").isEmpty();
        assertThat(figure(store, "redis_rejections")).isEqualTo(5);
        assertThat(figure(store, "redis_misses")).as("each rejection is a miss, and the plain miss").isEqualTo(6);
        assertThat(lines(storeLog, "rejected")).as("logged once, not once per read").hasSize(1);
        assertThat(lines(storeLog, "rejected").get(0)).contains(":unit:" + key(1).hex()).contains("bad seal");

        // Compiled again, stored again: the sound entry replaces the poisoned one.
        writeAndAwait(store, Namespace.UNIT, key(1), body(1));
        assertThat(store.store().read(Namespace.UNIT, key(1))).hasValueSatisfying(b -> assertThat(b).isEqualTo(body(1)));
    }

    @Test
    void aKilledRedisCostsReadsOnlyMissesIsLoggedOnceAndIsFoundAgainWhenItIsBack() throws Exception {
        RedisFleet store = store(randomKey());
        await("up", store::up);
        writeAndAwait(store, Namespace.UNIT, key(1), body(1));
        assertThat(store.store().read(Namespace.UNIT, key(1))).isPresent();

        redis.kill();
        for (int i = 0; i < 50; i++) {
            Optional<byte[]> read = store.store().read(Namespace.UNIT, key(1));
            assertThat(read).as("Redis is gone: a miss, never an exception").isEmpty();
            store.store().write(Namespace.UNIT, key(i + 10), body(i));
        }
        await("down", () -> !store.up());
        assertThat(figure(store, "redis_up")).isZero();
        assertThat(lines(linkLog, "is down")).as("one line for the change, none per request").hasSize(1);
        long missesWhileDown = figure(store, "redis_misses");

        redis.restart();
        await("up again by itself", store::up);
        assertThat(lines(linkLog, "is down")).hasSize(1);
        assertThat(lines(linkLog, "is up")).as("the first connection, and the way back").hasSize(2);
        assertThat(figure(store, "redis_state_changes")).isEqualTo(3);
        // The restarted server is empty (no persistence): a miss, then a write and a hit.
        assertThat(store.store().read(Namespace.UNIT, key(1))).isEmpty();
        writeAndAwait(store, Namespace.UNIT, key(1), body(1));
        assertThat(store.store().read(Namespace.UNIT, key(1))).hasValueSatisfying(b -> assertThat(b).isEqualTo(body(1)));
        assertThat(figure(store, "redis_misses")).isEqualTo(missesWhileDown + 1);
    }

    @Test
    void aRedisThatIsDownAtStartOnlyStartsTheStoreDown() throws Exception {
        redis.kill();
        RedisFleet store = store(randomKey());
        await("down", () -> lines(linkLog, "is down").size() == 1);
        assertThat(store.store().read(Namespace.UNIT, key(1))).isEmpty();
        redis.restart();
        await("up once Redis answers", store::up);
        writeAndAwait(store, Namespace.UNIT, key(1), body(1));
        assertThat(store.store().read(Namespace.UNIT, key(1))).isPresent();
    }

    @Test
    void aPasswordFromItsOwnerOnlyFileAuthenticatesAndNoneIsRefused() throws Exception {
        redis.close();
        String password = "s3cret-" + System.nanoTime();
        redis = RedisServerProcess.start(password);
        Path passwordFile = dir.resolve("redis.password");
        Files.writeString(passwordFile, password + "\n");
        Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
        RedisConfig withPassword = config(redis.url(), passwordFile);

        RedisFleet store = RedisFleet.open(withPassword);
        opened.add(store);
        await("up with AUTH", store::up);
        writeAndAwait(store, Namespace.UNIT, key(1), body(1));
        assertThat(store.store().read(Namespace.UNIT, key(1))).isPresent();
        assertThat(raw(password).exists(store.keys().entry(Namespace.UNIT, key(1)))).isEqualTo(1);

        RedisFleet without = store(randomKey());
        await("refused without AUTH", () -> lines(linkLog, "is down").size() == 1);
        assertThat(without.up()).isFalse();
        assertThat(without.store().read(Namespace.UNIT, key(1))).isEmpty();
        assertThat(lines(linkLog, "")).as("the password is never logged").noneMatch(line -> line.contains(password));

        Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-r-----"));
        assertThatThrownBy(() -> RedisFleet.check(withPassword)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("chmod 600").hasMessageNotContaining(password);
    }

    @Test
    void theAclUserOfOperationsMdWithOnlyTheCommandsUsedIsEnough() throws Exception {
        String password = "acl-" + System.nanoTime();
        // docs/operations.md, "Redis": ACL SETUSER opcached on >PASSWORD <these rules>
        String rules = "resetkeys ~opcached:* resetchannels -@all +getrange +set +exists +eval +get +del +ping +hello +auth";
        RedisClient client = RedisClient.create(RedisURI.create(redis.url()));
        opened.add(client::shutdown);
        try (StatefulRedisConnection<String, String> admin = client.connect()) {
            CommandArgs<String, String> setuser = new CommandArgs<>(StringCodec.UTF8).add("SETUSER").add("opcached").add("on")
                    .add(">" + password);
            for (String rule : rules.split(" ")) {
                setuser.add(rule);
            }
            assertThat(admin.sync().dispatch(CommandType.ACL, new StatusOutput<>(StringCodec.UTF8), setuser)).isEqualTo("OK");
        }
        Path passwordFile = dir.resolve("acl.password");
        Files.writeString(passwordFile, password + "\n");
        Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
        RedisFleet store = RedisFleet.open(config("redis://opcached@127.0.0.1:" + redis.port(), passwordFile));
        opened.add(store);
        await("up as the ACL user", store::up);
        writeAndAwait(store, Namespace.UNIT, key(1), body(1));
        assertThat(store.store().read(Namespace.UNIT, key(1))).hasValueSatisfying(b -> assertThat(b).isEqualTo(body(1)));
        assertThat(claim(store, key(2), 60_000)).isEqualTo(FleetClaims.Claim.OWNED);
        assertThat(held(store, key(2))).isTrue();
        store.claims().release(key(2));
        await("the claim released", () -> !held(store, key(2)));
        assertThat(figure(store, "redis_errors")).isZero();
    }

    @Test
    void aClaimIsOneHostsUntilItIsReleasedOrExpiresAndUnknownWhileRedisIsDown() throws Exception {
        SealKey fleet = randomKey();
        RedisFleet one = store(fleet);
        RedisFleet other = store(fleet);
        RedisFleet stranger = store(randomKey());
        await("up", () -> one.up() && other.up());
        assertThat(claim(one, key(1), 60_000)).isEqualTo(FleetClaims.Claim.OWNED);
        assertThat(claim(other, key(1), 60_000)).as("SET NX: the first claimer's").isEqualTo(FleetClaims.Claim.HELD);
        assertThat(held(other, key(1))).isTrue();
        await("up", stranger::up);
        assertThat(claim(stranger, key(1), 60_000)).as("another fleet key: other keys, no wait on the fleet's")
                .isEqualTo(FleetClaims.Claim.OWNED);
        assertThat(claim(one, key(1), 60_000)).as("its own claim, whose release has not landed: still its own")
                .isEqualTo(FleetClaims.Claim.OWNED);
        other.claims().release(key(1));
        assertThat(claim(other, key(1), 60_000)).as("a release never deletes another's claim")
                .isEqualTo(FleetClaims.Claim.HELD);
        one.claims().release(key(1));
        await("released", () -> !held(other, key(1)));
        assertThat(claim(other, key(1), 300)).isEqualTo(FleetClaims.Claim.OWNED);
        await("a dead claimer's claim expires (PX)", () -> !held(one, key(1)));
        assertThat(claim(one, key(1), 60_000)).isEqualTo(FleetClaims.Claim.OWNED);
        assertThat(raw(null).pttl(one.keys().claim(key(1)))).as("PX").isBetween(1L, 60_000L);
        other.claims().release(key(1));
        assertThat(claim(other, key(1), 60_000)).as("the expired claimer's release leaves the new claim")
                .isEqualTo(FleetClaims.Claim.HELD);
        assertThat(figure(other, "redis_claim_waits")).isEqualTo(3);

        // A batch's claims in one round trip, each answered.
        Map<Sha256, FleetClaims.Claim> batch = other.claims().claim(List.of(key(1), key(5), key(6)), 60_000);
        assertThat(batch).containsExactly(Map.entry(key(1), FleetClaims.Claim.HELD),
                Map.entry(key(5), FleetClaims.Claim.OWNED), Map.entry(key(6), FleetClaims.Claim.OWNED));
        assertThat(one.claims().held(List.of(key(1), key(5), key(6), key(7)))).containsExactly(key(1), key(5), key(6));

        redis.kill();
        await("down", () -> !one.up());
        assertThat(claim(one, key(2), 60_000)).as("no answer: compile").isEqualTo(FleetClaims.Claim.UNKNOWN);
        assertThat(held(one, key(2))).isFalse();
    }

    @Test
    void aRedisTooSlowForTheBoundCostsEachReadTheBoundAtMostThenGoesDownOnceAndComesBackWhenFast() throws Exception {
        long bound = 50;
        RedisFleet store = store(randomKey(), new RedisConfig(redis.url(), null, dir.resolve("fleet.key"), 3_600, bound,
                RedisTls.DEFAULT));
        await("up", store::up);
        writeAndAwait(store, Namespace.UNIT, key(1), body(1));
        // Every client's commands wait while Redis is paused: as slow as a Redis can be, and still connected.
        raw(null).clientPause(3_000);
        for (int i = 0; i < RedisLink.TIMEOUTS_TO_DOWN; i++) {
            long asked = System.nanoTime();
            assertThat(store.store().read(Namespace.UNIT, key(1))).as("a read past the bound: a miss").isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - asked)).as("waited about the bound, not the pause")
                    .isLessThan(Duration.ofMillis(1_000));
        }
        assertThat(store.up()).as("three timeouts in a row").isFalse();
        assertThat(figure(store, "redis_timeouts")).isEqualTo(RedisLink.TIMEOUTS_TO_DOWN);
        assertThat(store.store().read(Namespace.UNIT, key(1))).as("down: a miss at once, nothing asked").isEmpty();
        assertThat(figure(store, "redis_timeouts")).isEqualTo(RedisLink.TIMEOUTS_TO_DOWN);
        await("up again once a PING is answered within the bound", store::up);
        assertThat(store.store().read(Namespace.UNIT, key(1))).hasValueSatisfying(b -> assertThat(b).isEqualTo(body(1)));
        assertThat(lines(linkLog, "is down")).as("one line for the change").hasSize(1);
    }

    @Test
    void aFullRedisOrOneThatRefusesReadsCostsMissesAndCountersLoggedOnceAndStaysUp() throws Exception {
        RedisFleet store = store(randomKey());
        await("up", store::up);
        writeAndAwait(store, Namespace.UNIT, key(1), body(1));
        RedisCommands<byte[], byte[]> raw = raw(null);
        // Full: noeviction and a maxmemory below what it uses refuse every write (OOM).
        raw.configSet("maxmemory-policy", "noeviction");
        raw.configSet("maxmemory", "1");
        for (int i = 0; i < 5; i++) {
            store.store().write(Namespace.UNIT, key(10 + i), body(i));
        }
        await("the writes refused", () -> figure(store, "redis_errors") == 5);
        assertThat(lines(storeLog, "writes fail")).as("one line, not one per write").hasSize(1);
        assertThat(lines(storeLog, "writes fail").get(0)).contains("OOM");
        assertThat(store.up()).as("a full Redis still answers reads").isTrue();
        assertThat(store.store().read(Namespace.UNIT, key(1))).isPresent();
        raw.configSet("maxmemory", "0");
        writeAndAwait(store, Namespace.UNIT, key(2), body(2));
        assertThat(lines(storeLog, "writes succeed again")).hasSize(1);

        // Refused: an ACL that takes GETRANGE (the read) away from the default user.
        raw.dispatch(CommandType.ACL, new StatusOutput<>(ByteArrayCodec.INSTANCE), new CommandArgs<>(ByteArrayCodec.INSTANCE)
                .add("SETUSER").add("default").add("-getrange"));
        for (int i = 0; i < 5; i++) {
            assertThat(store.store().read(Namespace.UNIT, key(1))).as("refused: a miss").isEmpty();
        }
        assertThat(lines(storeLog, "refuses reads")).hasSize(1);
        assertThat(lines(storeLog, "refuses reads").get(0)).contains("NOPERM");
        assertThat(store.up()).isTrue();
        assertThat(lines(linkLog, "is down")).isEmpty();
    }

    @Test
    void aPasswordInTheUrlOrAnotherSchemeIsRefusedNamingTheFix() {
        assertThatThrownBy(() -> config("redis://user:hunter2@127.0.0.1:6379", null))
                .hasMessageContaining("opcached.redis_password_file").hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> config("http://127.0.0.1:6379", null)).hasMessageContaining("redis://");
        assertThatThrownBy(() -> config("redis://fleet@127.0.0.1:6379", null)).hasMessageContaining("opcached.redis_password_file");
        RedisConfig acl = config("rediss://fleet@redis.example:6380/2", dir.resolve("password"));
        assertThat(acl.username()).isEqualTo("fleet");
        assertThat(acl.serverUrl()).as("the user goes with the password, not as one").isEqualTo("rediss://redis.example:6380/2");
    }

    @Test
    void theFleetKeyIsMadeAtFirstStartAndRefusedWhenOthersMayReadIt() throws Exception {
        ListAppender<ILoggingEvent> keyLog = new ListAppender<>();
        keyLog.start();
        Logger sealKeyLogger = (Logger) LoggerFactory.getLogger(SealKey.class);
        sealKeyLogger.addAppender(keyLog);
        try {
            RedisConfig config = config(redis.url(), null);
            RedisFleet.check(config);
            assertThat(Files.getPosixFilePermissions(config.keyFile())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(lines(keyLog, "every host")).hasSize(1);
            RedisFleet.check(config);
            assertThat(lines(keyLog, "created")).as("made once").hasSize(1);
            Files.setPosixFilePermissions(config.keyFile(), PosixFilePermissions.fromString("rw-r--r--"));
            assertThatThrownBy(() -> RedisFleet.check(config)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("fleet key").hasMessageContaining("chmod 600");
        } finally {
            sealKeyLogger.detachAppender(keyLog);
        }
    }
}
