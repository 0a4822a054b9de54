package dev.opcached.daemon.testing;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.opcached.protocol.admin.StatusResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;

/** {@code GET /status} of a test's pool, with its token, parsed. */
public final class PoolStatus {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private PoolStatus() {
    }

    public static StatusResponse of(PoolProcess pool) throws Exception {
        String token = Files.readString(pool.tokenFile()).strip();
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(HttpRequest.newBuilder(URI.create(pool.adminUrl() + "/status")).timeout(Duration.ofSeconds(30))
                        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("/status answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readValue(response.body(), StatusResponse.class);
    }
}
