package dev.opcached.daemon.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A CA of a test's own and certificates it signed, made with {@code openssl} in a directory of
 * the test's (nothing of it is committed, no key outlives the test): a server certificate for
 * 127.0.0.1 and localhost, one for another name only (to see the name checked), and a client
 * certificate. Keys are EC P-256, PKCS#8 PEM, mode 0600; certificates live a day.
 * scripts/setup-redis installs openssl with redis-server when it is missing.
 *
 * @param ca the CA's certificate
 * @param serverCert the server's certificate, for IP 127.0.0.1 and DNS localhost
 * @param serverKey its key
 * @param misnamedCert a server certificate of the same CA for other.invalid only
 * @param misnamedKey its key
 * @param clientCert a client certificate (extendedKeyUsage clientAuth) of the same CA
 * @param clientKey its key
 */
public record TestCertificates(Path ca, Path serverCert, Path serverKey, Path misnamedCert, Path misnamedKey,
        Path clientCert, Path clientKey) {

    /** Makes them in {@code dir}, or skips the test when there is no openssl. */
    public static TestCertificates make(Path dir) throws Exception {
        // setup-redis provides openssl along with redis-server, and says why not when it cannot.
        RedisServerProcess.executable();
        Path caKey = dir.resolve("ca.key");
        Path ca = dir.resolve("ca.crt");
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", caKey.toString(),
                "-out", ca.toString(), "-days", "1", "-subj", "/CN=opcached test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        TestCertificates made = new TestCertificates(ca, dir.resolve("server.crt"), dir.resolve("server.key"),
                dir.resolve("misnamed.crt"), dir.resolve("misnamed.key"), dir.resolve("client.crt"), dir.resolve("client.key"));
        sign(dir, ca, caKey, made.serverCert(), made.serverKey(), "localhost",
                "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
        sign(dir, ca, caKey, made.misnamedCert(), made.misnamedKey(), "other.invalid",
                "subjectAltName=DNS:other.invalid\nextendedKeyUsage=serverAuth\n");
        sign(dir, ca, caKey, made.clientCert(), made.clientKey(), "opcached test client", "extendedKeyUsage=clientAuth\n");
        return made;
    }

    /** A key and a certificate for {@code name} signed by the CA, with {@code extensions}. */
    private static void sign(Path dir, Path ca, Path caKey, Path cert, Path key, String name, String extensions) throws Exception {
        Path request = dir.resolve(cert.getFileName() + ".csr");
        Path extensionFile = dir.resolve(cert.getFileName() + ".ext");
        Files.writeString(extensionFile, extensions);
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(),
                "-out", request.toString(), "-subj", "/CN=" + name);
        openssl(dir, "x509", "-req", "-in", request.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(),
                "-CAcreateserial", "-days", "1", "-out", cert.toString(), "-extfile", extensionFile.toString());
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    }

    private static void openssl(Path dir, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(arguments));
        Path log = dir.resolve("openssl.log");
        Process process;
        try {
            process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            Assumptions.abort("this test needs openssl to make its certificates, and there is none: " + e.getMessage());
            return;
        }
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException(String.join(" ", command) + " did not finish within 60 s");
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited with " + process.exitValue() + ":\n"
                    + Files.readString(log));
        }
    }
}
