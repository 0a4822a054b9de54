package dev.opcached.daemon.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks {@code Authorization: Bearer <token>} in constant time against the admin token (every
 * call) and the optional metrics token (calls that change nothing), and slows down addresses that
 * keep failing: each failure past the third doubles the delay of the next 401, up to 5 s; a
 * minute without failures, or a success, forgives an address.
 */
final class TokenAuthenticator {
    /** Longer Authorization headers are refused without looking at them. */
    static final int MAX_HEADER_LENGTH = 256;
    private static final int FREE_FAILURES = 3;
    private static final long FIRST_DELAY_MILLIS = 100;
    private static final long MAX_DELAY_MILLIS = 5_000;
    private static final long FORGIVE_AFTER_MILLIS = 60_000;

    /** What a request's token lets it do. */
    enum Access {
        /** No token, or a wrong one. */
        NONE,
        /** The metrics token: the calls that change nothing (/metrics, /status, /configuration). */
        READ_ONLY,
        /** The admin token: every call. */
        FULL
    }

    private final byte[] expectedDigest;
    /** The metrics token's digest, or null when there is none. */
    private final byte[] readOnlyDigest;
    private final Map<String, Failures> failures = new ConcurrentHashMap<>();

    private record Failures(int count, long lastMillis) {
    }

    TokenAuthenticator(String token) {
        this(token, null);
    }

    /** @param readOnlyToken the metrics token, or null for none */
    TokenAuthenticator(String token, String readOnlyToken) {
        this.expectedDigest = digest(token);
        this.readOnlyDigest = readOnlyToken == null ? null : digest(readOnlyToken);
    }

    /**
     * What the header's token allows. Both sides are hashed first, so that even the length does
     * not leak, and both tokens are always compared, so that the time does not tell which matched.
     */
    Access access(String authorization) {
        if (authorization == null || authorization.length() > MAX_HEADER_LENGTH) {
            return Access.NONE;
        }
        int space = authorization.indexOf(' ');
        if (space < 0 || !authorization.substring(0, space).equalsIgnoreCase("Bearer")) {
            return Access.NONE;
        }
        byte[] given = digest(authorization.substring(space + 1).strip());
        boolean full = MessageDigest.isEqual(given, expectedDigest);
        boolean readOnly = MessageDigest.isEqual(given, readOnlyDigest == null ? expectedDigest : readOnlyDigest);
        return full ? Access.FULL : readOnly && readOnlyDigest != null ? Access.READ_ONLY : Access.NONE;
    }

    /** A success from {@code address}: it knows the token, so its earlier failures are forgiven. */
    void succeeded(String address) {
        if (!failures.isEmpty()) {
            failures.remove(address);
        }
    }

    /** Records a failure from {@code address}; returns how long to wait before answering it. */
    long failed(String address, long nowMillis) {
        if (failures.size() > 10_000) {
            failures.clear();
        }
        Failures updated = failures.compute(address, (key, previous) ->
                previous == null || nowMillis - previous.lastMillis() > FORGIVE_AFTER_MILLIS
                        ? new Failures(1, nowMillis)
                        : new Failures(previous.count() + 1, nowMillis));
        int over = updated.count() - FREE_FAILURES;
        return over <= 0 ? 0 : Math.min(MAX_DELAY_MILLIS, FIRST_DELAY_MILLIS << Math.min(over - 1, 20));
    }

    private static byte[] digest(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
