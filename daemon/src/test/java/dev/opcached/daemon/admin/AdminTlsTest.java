package dev.opcached.daemon.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.opcached.daemon.Opcached;
import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import dev.opcached.protocol.testing.ChildJvm;
import java.io.FileInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Off loopback the token must not cross the network in clear: TLS, or an explicit opt-out. */
class AdminTlsTest {
    @TempDir
    Path dir;

    /** A self-signed certificate for 127.0.0.1 made with the JDK's keytool; PEM files for the daemon. */
    private KeyStore certificate(Path certificatePem, Path keyPem) throws Exception {
        Path keystore = dir.resolve("admin.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "admin", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isZero();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(keystore.toFile())) {
            store.load(in, "changeit".toCharArray());
        }
        Certificate cert = store.getCertificate("admin");
        Base64.Encoder pem = Base64.getMimeEncoder(64, "\n".getBytes());
        Files.writeString(certificatePem, "-----BEGIN CERTIFICATE-----\n" + pem.encodeToString(cert.getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        Files.writeString(keyPem, "-----BEGIN PRIVATE KEY-----\n"
                + pem.encodeToString(store.getKey("admin", "changeit".toCharArray()).getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        Files.setPosixFilePermissions(keyPem, PosixFilePermissions.fromString("rw-------"));
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("admin", cert);
        return trust;
    }

    @Test
    void adminEndpointSpeaksHttpsWithAConfiguredCertificate() throws Exception {
        Path certificatePem = dir.resolve("admin.crt");
        Path keyPem = dir.resolve("admin.key");
        KeyStore trust = certificate(certificatePem, keyPem);
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Scripts.text(docroot, "hello", "hello");
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "tls", 1,
                "opcached.admin_tls_certificate=" + certificatePem, "opcached.admin_tls_key=" + keyPem)) {
            String token = Files.readString(pool.tokenFile()).strip();
            String https = pool.adminUrl().replace("http://", "https://") + "/status";
            TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trust);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, trustManagers.getTrustManagers(), null);
            HttpClient client = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(https))
                    .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"opcache_enabled\":true");
            assertThat(pool.supervisor().output()).contains("admin endpoint on https://");
            assertThatThrownBy(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(pool.adminUrl() + "/status"))
                    .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString())).as("plain HTTP on the TLS port").isInstanceOf(java.io.IOException.class);
        }
    }

    @Test
    void nonLoopbackAdminAddressWithoutTlsStopsTheStart() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        try (ChildJvm supervisor = ChildJvm.start(Opcached.class, "--docroot", docroot.toString(),
                "--segment-dir", dir.resolve("shm").toString(), "--state-dir", dir.resolve("state").toString(),
                "--listen", "127.0.0.1:0", "--admin-listen", "0.0.0.0:0")) {
            assertThat(supervisor.awaitExit(Duration.ofSeconds(60))).isEqualTo(2);
            assertThat(supervisor.output()).contains("opcached.admin_listen=0.0.0.0:0 is not a loopback address")
                    .contains("opcached.admin_tls_certificate");
            assertThat(dir.resolve("shm")).as("nothing was created").satisfiesAnyOf(
                    p -> assertThat(p).doesNotExist(), p -> assertThat(Files.list(p)).isEmpty());
        }
    }

    @Test
    void aKeyAnotherUserCouldReadStopsTheStart() throws Exception {
        Path certificatePem = dir.resolve("admin.crt");
        Path keyPem = dir.resolve("admin.key");
        certificate(certificatePem, keyPem);
        Files.setPosixFilePermissions(keyPem, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(refusedStart(certificatePem, keyPem)).contains("opcached.admin_tls_key=" + keyPem + " has mode rw-r--r--")
                .contains("chmod 600 " + keyPem);

        // Owner-only, but the owner is another user (the workers', say): every script could read it.
        assumeTrue(Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0),
                "only root can give the key to another user; this test runs as another user");
        Files.setPosixFilePermissions(keyPem, PosixFilePermissions.fromString("rw-------"));
        Files.setAttribute(keyPem, "unix:uid", 65534);
        assertThat(refusedStart(certificatePem, keyPem)).contains("opcached.admin_tls_key=" + keyPem + " belongs to uid 65534")
                .contains("chown 0 " + keyPem);
    }

    /** Starts a pool with this certificate and key: it must stop with exit 2, no stack trace, nothing made; its output. */
    private String refusedStart(Path certificatePem, Path keyPem) throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        try (ChildJvm supervisor = ChildJvm.start(Opcached.class, "--docroot", docroot.toString(),
                "--segment-dir", dir.resolve("shm").toString(), "--state-dir", dir.resolve("state").toString(),
                "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
                "-d", "opcached.admin_tls_certificate=" + certificatePem, "-d", "opcached.admin_tls_key=" + keyPem)) {
            assertThat(supervisor.awaitExit(Duration.ofSeconds(60))).isEqualTo(2);
            assertThat(supervisor.output()).doesNotContain("\tat ").doesNotContain("PRIVATE KEY");
            assertThat(dir.resolve("shm")).as("nothing was created").satisfiesAnyOf(
                    p -> assertThat(p).doesNotExist(), p -> assertThat(Files.list(p)).isEmpty());
            return supervisor.output();
        }
    }
}
