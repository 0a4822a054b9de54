package dev.opcached.daemon.fleet;

import dev.opcached.daemon.config.Directives;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The fleet's Redis level as the directives describe it: {@code opcached.redis_url},
 * {@code opcached.redis_password_file}, {@code opcached.redis_key_file}, {@code opcached.redis_ttl}
 * and {@code opcached.redis_timeout}, checked. A password never sits in the URL: every pool
 * process gets the directives on its command line, which any local user may read, and the
 * configuration endpoint shows them; it lives in an owner-only file instead.
 *
 * @param url {@code redis://} or {@code rediss://}, without a password
 * @param passwordFile the file of the password, or null for no AUTH
 * @param keyFile the fleet key that seals the entries
 * @param ttlSeconds how long an entry lives in Redis
 * @param timeoutMillis how long a read may keep a compile waiting
 */
public record RedisConfig(String url, Path passwordFile, Path keyFile, long ttlSeconds, long timeoutMillis) {
    /**
     * @throws IllegalArgumentException naming the value and the fix: another scheme, no host, a
     *     password in the URL
     */
    public RedisConfig {
        URI parsed;
        try {
            parsed = new URI(url);
        } catch (URISyntaxException e) {
            // The value is echoed only when it cannot hold a password.
            throw new IllegalArgumentException(Directives.REDIS_URL + (url.contains("@") ? "" : "=" + url)
                    + " is not a URL (" + e.getReason()
                    + "); write redis://host:6379 or rediss://user@host:6380/0");
        }
        if (parsed.getRawUserInfo() != null && parsed.getRawUserInfo().contains(":")) {
            // Not echoed: the value holds the password.
            throw new IllegalArgumentException(Directives.REDIS_URL + " holds a password (user:password@): every pool"
                    + " process would show it on its command line; keep only the user in the URL (redis://user@host)"
                    + " and put the password in a file of mode 0600 named by " + Directives.REDIS_PASSWORD_FILE);
        }
        if (!"redis".equals(parsed.getScheme()) && !"rediss".equals(parsed.getScheme())) {
            throw new IllegalArgumentException(Directives.REDIS_URL + "=" + url + " has scheme " + parsed.getScheme()
                    + "; only redis:// and rediss:// (TLS) are supported");
        }
        if (parsed.getHost() == null) {
            throw new IllegalArgumentException(Directives.REDIS_URL + "=" + url + " names no host; write redis://host:6379");
        }
        if (parsed.getRawUserInfo() != null && passwordFile == null) {
            throw new IllegalArgumentException(Directives.REDIS_URL + "=" + url + " names an ACL user but "
                    + Directives.REDIS_PASSWORD_FILE + " is empty: put the user's password in a file of mode 0600 and name it there");
        }
    }

    /**
     * The URL without its user: Lettuce would take a lone {@code user@} for a password, so the
     * user goes with the password ({@link #username()}) instead.
     */
    public String serverUrl() {
        URI parsed = URI.create(url);
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
                directives.redisKeyFile(), directives.number(Directives.REDIS_TTL), directives.number(Directives.REDIS_TIMEOUT)));
    }
}
