package dev.opcached.daemon.fleet;

import static dev.opcached.daemon.testing.Conditions.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.opcached.daemon.config.Directives;
import dev.opcached.daemon.filecache.Namespace;
import dev.opcached.daemon.filecache.SealKey;
import dev.opcached.daemon.testing.RedisServerProcess;
import dev.opcached.daemon.testing.TestCertificates;
import dev.opcached.protocol.unit.Sha256;
import io.lettuce.core.SslVerifyMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * {@code rediss://} against a real redis-server that speaks TLS only, with a CA and certificates
 * made for the test: the CA file is trusted and nothing else is (the JVM's trust store does not
 * know the test's CA), the server's name is checked, a client certificate is sent where the
 * server asks for one; a handshake that fails keeps the level down with one line that says why,
 * and costs a read a miss. The files are checked at start, naming the directive.
 */
class RedisTlsTest {
    private static final long TIMEOUT_MILLIS = 2_000;

    @TempDir
    Path dir;

    private TestCertificates certificates;
    private final ListAppender<ILoggingEvent> linkLog = new ListAppender<>();
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeEach
    void makeCertificates() throws Exception {
        certificates = TestCertificates.make(Files.createDirectories(dir.resolve("tls")));
        linkLog.start();
        ((Logger) LoggerFactory.getLogger(RedisLink.class)).addAppender(linkLog);
    }

    @AfterEach
    void stop() throws Exception {
        ((Logger) LoggerFactory.getLogger(RedisLink.class)).detachAppender(linkLog);
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    private RedisServerProcess server(Path cert, Path key, String authClients) throws Exception {
        RedisServerProcess redis = RedisServerProcess.startTls(
                new RedisServerProcess.Tls(cert, key, certificates.ca(), authClients));
        opened.add(redis);
        return redis;
    }

    private RedisConfig config(String url, RedisTls tls) {
        return new RedisConfig(url, null, dir.resolve("fleet.key"), 3_600, TIMEOUT_MILLIS, tls);
    }

    private RedisFleet store(RedisConfig config) throws Exception {
        RedisFleet.check(config);
        byte[] bytes = new byte[SealKey.LENGTH];
        new SecureRandom().nextBytes(bytes);
        RedisFleet store = new RedisFleet(config, SealKey.of(bytes), null);
        opened.add(store);
        return store;
    }

    private List<String> downLines() {
        return linkLog.list.stream().filter(event -> event.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).filter(line -> line.contains("is down")).toList();
    }

    private static final Sha256 KEY = Sha256.of("a unit".getBytes(StandardCharsets.UTF_8));
    private static final byte[] BODY = "the classes of a unit".getBytes(StandardCharsets.UTF_8);

    /** Writes an entry and reads it back once Redis confirmed it. */
    private static void roundTrip(RedisFleet store) throws InterruptedException {
        await("the link is up", store::up);
        long before = store.figures().counter("redis_stores");
        store.store().write(Namespace.UNIT, KEY, BODY);
        await("Redis confirmed the write", () -> store.figures().counter("redis_stores") > before);
        assertThat(store.store().read(Namespace.UNIT, KEY)).hasValue(BODY);
    }

    /**
     * The link went down once, with one line that names the cause, stays down through the
     * handshakes its probe tries again (once a second, each one refused by the server or the
     * client), and a read costs a miss without waiting on anything.
     */
    private void assertDownWithOneLine(RedisServerProcess redis, RedisFleet store, String cause) throws InterruptedException {
        await("the link logged that it is down", () -> !downLines().isEmpty());
        long failed = redis.failedHandshakes();
        await("the probe tried twice more", () -> redis.failedHandshakes() >= failed + 2);
        assertThat(store.up()).isFalse();
        assertThat(store.figures().counter("redis_state_changes")).as("down once, from the start").isEqualTo(1);
        long asked = System.nanoTime();
        assertThat(store.store().read(Namespace.UNIT, KEY)).isEqualTo(Optional.empty());
        assertThat(Duration.ofNanos(System.nanoTime() - asked)).as("a read while down waits on nothing")
                .isLessThan(Duration.ofMillis(TIMEOUT_MILLIS));
        assertThat(store.figures().counter("redis_misses")).isEqualTo(1);
        List<String> lines = downLines();
        assertThat(lines).as("one line for the state change").hasSize(1);
        assertThat(lines.get(0)).contains("TLS handshake").contains(cause);
    }

    @Test
    void anEntryRoundTripsOverRedissWithTheCaOfTheCaFileAndAgainAfterARestart() throws Exception {
        RedisServerProcess redis = server(certificates.serverCert(), certificates.serverKey(), "no");
        assertThat(redis.url()).startsWith("rediss://");
        RedisFleet store = store(config(redis.url(), new RedisTls(certificates.ca(), null, null)));
        roundTrip(store);
        assertThat(downLines()).isEmpty();
        redis.kill();
        await("the link saw Redis go", () -> !store.up());
        redis.restart();
        await("up again, Lettuce's reconnection made a handshake anew", store::up);
        assertThat(store.figures().counter("redis_state_changes")).as("up, down, up").isEqualTo(3);
        assertThat(store.store().read(Namespace.UNIT, KEY)).as("the restarted Redis is empty").isEmpty();
        roundTrip(store);
    }

    @Test
    void aServerCertificateOfACaTheJvmDoesNotTrustKeepsTheLinkDownWithOneLineThatSaysSo() throws Exception {
        RedisServerProcess redis = server(certificates.serverCert(), certificates.serverKey(), "no");
        RedisFleet store = store(config(redis.url(), RedisTls.DEFAULT));
        assertDownWithOneLine(redis, store, "unable to find valid certification path");
    }

    @Test
    void aServerCertificateForAnotherNameIsRefusedThoughItsCaIsTrusted() throws Exception {
        RedisServerProcess redis = server(certificates.misnamedCert(), certificates.misnamedKey(), "no");
        RedisFleet store = store(config(redis.url(), new RedisTls(certificates.ca(), null, null)));
        assertDownWithOneLine(redis, store, "No subject alternative names matching IP address 127.0.0.1");
    }

    @Test
    void aServerThatAsksForAClientCertificateTakesOursAndRefusesAClientWithout() throws Exception {
        RedisServerProcess redis = server(certificates.serverCert(), certificates.serverKey(), "yes");
        roundTrip(store(config(redis.url(), new RedisTls(certificates.ca(), certificates.clientCert(), certificates.clientKey()))));
        assertThat(downLines()).isEmpty();
        RedisFleet without = store(config(redis.url(), new RedisTls(certificates.ca(), null, null)));
        assertDownWithOneLine(redis, without, "certificate_required");
    }

    @Test
    void aMissingOrWrongFileStopsTheStartNamingItsDirective() throws Exception {
        String url = "rediss://127.0.0.1:6380";
        assertThatThrownBy(() -> RedisFleet.check(config(url, new RedisTls(dir.resolve("nothing.crt"), null, null))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("opcached.redis_tls_ca_file=" + dir.resolve("nothing.crt") + " does not exist");
        Path notPem = Files.writeString(dir.resolve("not.pem"), "not a certificate\n");
        assertThatThrownBy(() -> RedisFleet.check(config(url, new RedisTls(notPem, null, null))))
                .hasMessageContaining("opcached.redis_tls_ca_file=" + notPem + " holds no PEM certificate");
        assertThatThrownBy(() -> new RedisTls(null, certificates.clientCert(), null))
                .hasMessageContaining("opcached.redis_tls_key_file").hasMessageContaining("needs both");
        assertThatThrownBy(() -> RedisFleet.check(config(url,
                new RedisTls(null, certificates.clientCert(), dir.resolve("nothing.key")))))
                .hasMessageContaining("opcached.redis_tls_key_file=" + dir.resolve("nothing.key") + " does not exist");
        assertThatThrownBy(() -> RedisFleet.check(config(url, new RedisTls(null, certificates.clientCert(), notPem))))
                .as("a key only its owner may read").hasMessageContaining("chmod 600");
        Files.setPosixFilePermissions(notPem, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> RedisFleet.check(config(url, new RedisTls(null, certificates.clientCert(), notPem))))
                .hasMessageContaining("opcached.redis_tls_key_file=" + notPem).hasMessageContaining("PKCS#8");
        RedisFleet.check(config(url, new RedisTls(certificates.ca(), certificates.clientCert(), certificates.clientKey())));
    }

    @Test
    void theDirectivesNameTheFilesAndNoneMeansTheJvmsTrustStore() {
        Directives base = Directives.defaults().with(Map.of(Directives.REDIS_URL, "rediss://127.0.0.1:6380"));
        assertThat(RedisConfig.from(base).orElseThrow().tls()).isEqualTo(RedisTls.DEFAULT);
        RedisConfig configured = RedisConfig.from(base.with(Map.of(Directives.REDIS_TLS_CA_FILE, certificates.ca().toString(),
                Directives.REDIS_TLS_CERT_FILE, certificates.clientCert().toString(),
                Directives.REDIS_TLS_KEY_FILE, certificates.clientKey().toString()))).orElseThrow();
        assertThat(configured.tls()).isEqualTo(new RedisTls(certificates.ca(), certificates.clientCert(), certificates.clientKey()));
    }

    @Test
    void tlsFilesForAPlainUrlAndAWeakenedCheckAreRefused() {
        assertThatThrownBy(() -> config("redis://127.0.0.1:6379", new RedisTls(certificates.ca(), null, null)))
                .hasMessageContaining("rediss://");
        assertThatThrownBy(() -> config("rediss://127.0.0.1:6380?verifyPeer=NONE", RedisTls.DEFAULT))
                .hasMessageContaining("always checked").hasMessageContaining("opcached.redis_tls_ca_file");
        assertThat(config("rediss://127.0.0.1:6380", RedisTls.DEFAULT).uri(null).getVerifyMode())
                .isEqualTo(SslVerifyMode.FULL);
    }
}
