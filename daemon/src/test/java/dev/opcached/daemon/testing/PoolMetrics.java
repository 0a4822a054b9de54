package dev.opcached.daemon.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET /metrics} of a test's pool, with its token, and one figure read from it. The
 * compiler's figures reach the supervisor about once a second: a test waits for a figure to reach
 * a value ({@link Conditions}) rather than reading it once after the event.
 */
public final class PoolMetrics {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private PoolMetrics() {
    }

    /** The whole exposition. */
    public static String scrape(PoolProcess pool) throws Exception {
        String token = Files.readString(pool.tokenFile()).strip();
        HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(URI.create(pool.adminUrl() + "/metrics"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("/metrics answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    /** The value of the (pool-labelled) figure {@code name}, or -1 when the exposition has none. */
    public static long value(PoolProcess pool, String name) throws Exception {
        Matcher value = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{[^}]*} (\\S+)$").matcher(scrape(pool));
        return value.find() ? (long) Double.parseDouble(value.group(1)) : -1;
    }

    /** The value of the figure {@code name} whose labels include {@code label} ({@code cause="crash"}), or -1. */
    public static long value(PoolProcess pool, String name, String label) throws Exception {
        Matcher value = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)} (\\S+)$").matcher(scrape(pool));
        while (value.find()) {
            if (value.group(1).contains(label)) {
                return (long) Double.parseDouble(value.group(2));
            }
        }
        return -1;
    }

    /** The same, 0 when absent (a counter not exported before its first event), for waits. */
    public static long orZero(PoolProcess pool, String name) {
        return orZero(pool, name, "");
    }

    /** {@link #value(PoolProcess, String, String)}, 0 when absent, for waits. */
    public static long orZero(PoolProcess pool, String name, String label) {
        try {
            return Math.max(0, value(pool, name, label));
        } catch (Exception e) {
            throw new IllegalStateException("the metrics of " + pool.adminUrl() + " could not be read", e);
        }
    }
}
