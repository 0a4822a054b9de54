package dev.opcached.daemon.fleet;

import dev.opcached.daemon.config.Directives;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslVerifyMode;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * The fleet's Redis level as the directives describe it: {@code opcached.redis_url},
 * {@code opcached.redis_password_file}, {@code opcached.redis_key_file}, {@code opcached.redis_ttl},
 * {@code opcached.redis_timeout} and the {@code opcached.redis_tls_*} files, checked. A password
 * never sits in the URL: every pool process gets the directives on its command line, which any
 * local user may read, and the configuration endpoint shows them; it lives in an owner-only file
 * instead.
 *
 * @param url {@code redis://} or {@code rediss://}, without a password
 * @param passwordFile the file of the password, or null for no AUTH
 * @param keyFile the fleet key that seals the entries
 * @param ttlSeconds how long an entry lives in Redis
 * @param timeoutMillis how long a read may keep a compile waiting
 * @param tls whom a {@code rediss://} connection trusts and the client certificate, if any
 */
public record RedisConfig(String url, Path passwordFile, Path keyFile, long ttlSeconds, long timeoutMillis, RedisTls tls) {
    /**
     * @throws IllegalArgumentException naming the value and the fix: another scheme, no host, a
     *     password in the URL, a URL that weakens the server's check, TLS files for {@code redis://}
     */
    public RedisConfig {
        tls = tls == null ? RedisTls.DEFAULT : tls;
        URI parsed;
        try {
            parsed = new URI(url);
        } catch (URISyntaxException e) {
            // The value is echoed only when it cannot hold a password.
            throw new IllegalArgumentException(Directives.REDIS_URL + (url.contains("@") ? "" : "=" + url)
                    + " is not a URL (" + e.getReason()
                    + "); write redis://host:6379 or rediss://user@host:6380/0");
        }
        // In messages, the URL without its user part: whatever stands before the @ is never echoed
        // (Lettuce's own form redis://PASSWORD@host puts a password there).
        String shown = withoutUser(parsed);
        if (parsed.getRawUserInfo() != null && parsed.getRawUserInfo().contains(":")) {
            // Not echoed: the value holds the password.
            throw new IllegalArgumentException(Directives.REDIS_URL + " holds a password (user:password@): every pool"
                    + " process would show it on its command line; keep only the user in the URL (redis://user@host)"
                    + " and put the password in a file of mode 0600 named by " + Directives.REDIS_PASSWORD_FILE);
        }
        if (!"redis".equals(parsed.getScheme()) && !"rediss".equals(parsed.getScheme())) {
            throw new IllegalArgumentException(Directives.REDIS_URL + "=" + shown + " has scheme " + parsed.getScheme()
                    + "; only redis:// and rediss:// (TLS) are supported");
        }
        if (parsed.getHost() == null) {
            throw new IllegalArgumentException(Directives.REDIS_URL + "=" + shown + " names no host; write redis://host:6379");
        }
        if (parsed.getRawUserInfo() != null && passwordFile == null) {
            throw new IllegalArgumentException(Directives.REDIS_URL + "=" + shown + " names an ACL user but "
                    + Directives.REDIS_PASSWORD_FILE + " is empty: put the user's password in a file of mode 0600 and name it there");
        }
        if (parsed.getRawQuery() != null && parsed.getRawQuery().toLowerCase(Locale.ROOT)
                .contains(RedisURI.PARAMETER_NAME_VERIFY_PEER.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException(Directives.REDIS_URL + "=" + shown + " sets " + RedisURI.PARAMETER_NAME_VERIFY_PEER
                    + ": the server's certificate and name are always checked; trust a private CA with "
                    + Directives.REDIS_TLS_CA_FILE + ", and give the server a certificate for the name in the URL");
        }
        if (tls.configured() && !"rediss".equals(parsed.getScheme())) {
            throw new IllegalArgumentException(Directives.REDIS_URL + "=" + shown + " is plain redis://, but the "
                    + "opcached.redis_tls_* directives are set: write rediss:// for TLS, or empty them");
        }
    }

    /**
     * What Lettuce connects to: the URL without its user, the password if any, TLS with the
     * server's certificate and name checked ({@link SslVerifyMode#FULL}, Lettuce's default for
     * {@code rediss://}, set here so that nothing weakens it unseen).
     */
    RedisURI uri(char[] password) {
        RedisURI uri = RedisURI.create(serverUrl());
        if (password != null && username() != null) {
            uri.setAuthentication(username(), password);
        } else if (password != null) {
            uri.setAuthentication(password);
        }
        if (uri.isSsl()) {
            uri.setVerifyPeer(SslVerifyMode.FULL);
        }
        return uri;
    }

    /**
     * The URL without its user: Lettuce would take a lone {@code user@} for a password, so the
     * user goes with the password ({@link #username()}) instead.
     */
    public String serverUrl() {
        return withoutUser(URI.create(url));
    }

    private static String withoutUser(URI parsed) {
        try {
            return new URI(parsed.getScheme(), null, parsed.getHost(), parsed.getPort(), parsed.getPath(), parsed.getQuery(),
                    null).toString();
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The ACL user the URL names ({@code redis://user@host}), or null for none. */
    public String username() {
        String user = URI.create(url).getUserInfo();
        return user == null || user.isEmpty() ? null : user;
    }

    /** The Redis level {@code directives} configure, or empty when {@code opcached.redis_url} is empty (off). */
    public static Optional<RedisConfig> from(Directives directives) {
        String url = directives.string(Directives.REDIS_URL);
        if (url.isEmpty()) {
            return Optional.empty();
        }
        String passwordFile = directives.string(Directives.REDIS_PASSWORD_FILE);
        return Optional.of(new RedisConfig(url, passwordFile.isEmpty() ? null : directives.path(Directives.REDIS_PASSWORD_FILE),
                directives.redisKeyFile(), directives.number(Directives.REDIS_TTL), directives.number(Directives.REDIS_TIMEOUT),
                RedisTls.from(directives)));
    }
}
