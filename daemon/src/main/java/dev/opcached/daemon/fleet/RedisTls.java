package dev.opcached.daemon.fleet;

import dev.opcached.daemon.config.Directives;
import dev.opcached.daemon.config.OwnerOnlyFile;
import io.lettuce.core.SslOptions;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whom a {@code rediss://} connection trusts and who it is: {@code opcached.redis_tls_ca_file}
 * (PEM certificates of the CA that signed the server's certificate; empty = the JVM's trust
 * store, for a Redis whose CA the host already trusts) and, for a Redis that asks for client
 * certificates ({@code tls-auth-clients yes}), {@code opcached.redis_tls_cert_file} and
 * {@code opcached.redis_tls_key_file}. The server's certificate is always checked, its name
 * included (the URL's host must be in its subject alternative names): a cache whose entries every
 * host runs is not one to reach through a man in the middle, sealed entries or not, since the
 * password crosses too.
 *
 * <p>Lettuce reads the files at every connection, so a renewed certificate is taken at the next
 * reconnection; {@link #check} reads them once at start, so that a wrong path or a file that
 * holds no certificate stops the start instead of keeping the level down.
 *
 * @param caFile the CA certificates (PEM), or null for the JVM's trust store
 * @param certFile the client certificate chain (PEM), or null for none
 * @param keyFile the client certificate's private key (PEM, PKCS#8, unencrypted, owner-only), or null for none
 */
public record RedisTls(Path caFile, Path certFile, Path keyFile) {
    /** Nothing configured: the JVM's trust store, no client certificate. */
    public static final RedisTls DEFAULT = new RedisTls(null, null, null);

    /**
     * @throws IllegalArgumentException a certificate without its key or a key without its certificate
     */
    public RedisTls {
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException(certFile == null
                    ? Directives.REDIS_TLS_KEY_FILE + "=" + keyFile + " is set but " + Directives.REDIS_TLS_CERT_FILE
                            + " is empty: a client certificate needs both; name its certificate there, or empty both"
                    : Directives.REDIS_TLS_CERT_FILE + "=" + certFile + " is set but " + Directives.REDIS_TLS_KEY_FILE
                            + " is empty: a client certificate needs both; name its private key there, or empty both");
        }
    }

    /** The TLS settings {@code directives} configure (the files named, not yet read). */
    public static RedisTls from(Directives directives) {
        return new RedisTls(optionalPath(directives, Directives.REDIS_TLS_CA_FILE),
                optionalPath(directives, Directives.REDIS_TLS_CERT_FILE), optionalPath(directives, Directives.REDIS_TLS_KEY_FILE));
    }

    private static Path optionalPath(Directives directives, String name) {
        return directives.string(name).isEmpty() ? null : directives.path(name);
    }

    /** Whether any TLS directive is set (they mean nothing on a {@code redis://} URL). */
    boolean configured() {
        return caFile != null || certFile != null;
    }

    /**
     * What Lettuce is given: the JDK's TLS (so that "the JVM's trust store" means what the JVM's
     * other clients trust), the CA file or that trust store, the client certificate if any.
     */
    SslOptions sslOptions() {
        SslOptions.Builder builder = SslOptions.builder().jdkSslProvider();
        if (caFile != null) {
            builder.trustManager(caFile.toFile());
        }
        if (certFile != null) {
            builder.keyManager(certFile.toFile(), keyFile.toFile(), null);
        }
        return builder.build();
    }

    /**
     * Reads the files as a connection will, without connecting.
     *
     * @throws IllegalArgumentException naming the directive, the file and the fix: missing, not a
     *     regular file, no certificate in it, a key others may read or that is not PKCS#8
     */
    void check() throws IOException {
        if (caFile != null) {
            requireFile(Directives.REDIS_TLS_CA_FILE, caFile, "the PEM certificate of the CA that signed the Redis server's certificate");
            try {
                SslContextBuilder.forClient().trustManager(caFile.toFile());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(Directives.REDIS_TLS_CA_FILE + "=" + caFile + " holds no PEM certificate ("
                        + rootMessage(e) + "); write the CA's certificate there (-----BEGIN CERTIFICATE-----), or empty"
                        + " the directive to trust what the JVM's trust store trusts");
            }
        }
        if (certFile != null) {
            requireFile(Directives.REDIS_TLS_CERT_FILE, certFile, "the PEM client certificate");
            requireFile(Directives.REDIS_TLS_KEY_FILE, keyFile, "the client certificate's PEM private key");
            OwnerOnlyFile.require(Directives.REDIS_TLS_KEY_FILE, keyFile, "the private key", "issue a new certificate");
            try {
                SslContextBuilder.forClient().keyManager(certFile.toFile(), keyFile.toFile());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(Directives.REDIS_TLS_CERT_FILE + "=" + certFile + " and "
                        + Directives.REDIS_TLS_KEY_FILE + "=" + keyFile + " are not a PEM certificate and its unencrypted"
                        + " PKCS#8 key (" + rootMessage(e) + "); a key in another form converts with"
                        + " openssl pkcs8 -topk8 -nocrypt -in KEY -out " + keyFile);
            }
        }
    }

    private static void requireFile(String directive, Path file, String what) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(directive + "=" + file + (Files.exists(file) ? " is not a regular file" : " does not exist")
                    + "; write " + what + " there, or empty the directive");
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
