package dev.opcached.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.opcached.protocol.admin.AdminMessages;
import dev.opcached.protocol.admin.StatusResponse;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A Java client of a pool's admin endpoint, for deploy tools and for opcachectl. Each call returns
 * the decoded answer together with the server's JSON as it was sent.
 */
public final class OpcachedClient {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final URI base;
    private final String token;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param base    the endpoint, e.g. {@code http://127.0.0.1:9180}
     * @param token   the bearer token
     * @param timeout for connecting and for each answer
     */
    public OpcachedClient(URI base, String token, Duration timeout) {
        this.base = URI.create(base.toString().replaceAll("/+$", "") + "/");
        this.token = token;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
    }

    /** A client whose token is read from {@code tokenFile}. */
    public static OpcachedClient withTokenFile(URI base, Path tokenFile, Duration timeout) throws OpcachedClientException {
        try {
            return new OpcachedClient(base, Files.readString(tokenFile, StandardCharsets.US_ASCII).strip(), timeout);
        } catch (NoSuchFileException e) {
            throw new OpcachedClientException(OpcachedClientException.Kind.AUTHENTICATION,
                    "token file " + tokenFile + " does not exist (--token-file, OPCACHED_TOKEN_FILE)", e);
        } catch (IOException e) {
            throw new OpcachedClientException(OpcachedClientException.Kind.AUTHENTICATION,
                    "cannot read token file " + tokenFile + ": " + e.getMessage(), e);
        }
    }

    /** An answer: decoded, and as the server sent it. */
    public record Reply<T>(T value, String json) {
    }

    public URI base() {
        return base;
    }

    public Reply<StatusResponse> status(boolean scripts) throws OpcachedClientException {
        // Only fields that are never null: a figure from a damaged segment header is null (unknown).
        return call("GET", scripts ? "status?scripts=1" : "status", null, StatusResponse.class,
                "/opcache_enabled", "/memory_usage/used_memory", "/memory_usage/free_memory", "/memory_usage/wasted_memory",
                "/opcache_statistics/max_cached_keys", "/segment/path");
    }

    /** The configuration, as a JSON tree (its directives are of several types). */
    public Reply<JsonNode> configuration() throws OpcachedClientException {
        return call("GET", "configuration", null, JsonNode.class,
                "/directives", "/version/version", "/version/opcache_product_name", "/blacklist");
    }

    public Reply<AdminMessages.ResetResponse> reset() throws OpcachedClientException {
        return call("POST", "reset", null, AdminMessages.ResetResponse.class, "/generation", "/manual_restarts");
    }

    public Reply<AdminMessages.InvalidateResponse> invalidate(List<String> paths, boolean force) throws OpcachedClientException {
        return call("POST", "invalidate", new AdminMessages.InvalidateRequest(paths, force, null),
                AdminMessages.InvalidateResponse.class, "/invalidated");
    }

    public Reply<AdminMessages.InvalidateResponse> invalidatePrefix(String prefix) throws OpcachedClientException {
        return call("POST", "invalidate", new AdminMessages.InvalidateRequest(null, null, prefix),
                AdminMessages.InvalidateResponse.class, "/invalidated");
    }

    public Reply<AdminMessages.CompileResponse> compile(List<String> paths) throws OpcachedClientException {
        return call("POST", "compile", new AdminMessages.CompileRequest(paths), AdminMessages.CompileResponse.class,
                "/compiled", "/cached", "/failed");
    }

    public Reply<AdminMessages.StatClearResponse> statClear() throws OpcachedClientException {
        return call("POST", "stat/clear", null, AdminMessages.StatClearResponse.class, "/stat_generation");
    }

    /**
     * One call; {@code required} are the JSON pointers an opcached answer always has, so that an
     * answer from something else is reported as such rather than half decoded.
     */
    private <T> Reply<T> call(String method, String path, Object body, Class<T> type, String... required)
            throws OpcachedClientException {
        HttpRequest.BodyPublisher publisher;
        try {
            publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot encode " + body, e);
        }
        String call = method + " /" + path;
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout)
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .method(method, publisher).build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (ConnectException e) {
            throw new OpcachedClientException(OpcachedClientException.Kind.UNREACHABLE,
                    "cannot reach the daemon at " + base + ": connection refused: is the pool running?"
                            + " (its admin_listen, opcached.admin_listen, is the address to use)", e);
        } catch (HttpConnectTimeoutException e) {
            throw new OpcachedClientException(OpcachedClientException.Kind.UNREACHABLE,
                    "cannot reach the daemon at " + base + ": no connection within " + timeout.toSeconds() + " s", e);
        } catch (HttpTimeoutException e) {
            throw new OpcachedClientException(OpcachedClientException.Kind.UNREACHABLE,
                    "the daemon at " + base + " did not answer " + call + " within " + timeout.toSeconds() + " s", e);
        } catch (IOException e) {
            throw new OpcachedClientException(OpcachedClientException.Kind.UNREACHABLE,
                    "cannot reach the daemon at " + base + ": " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OpcachedClientException(OpcachedClientException.Kind.UNREACHABLE, "interrupted", e);
        }
        if (response.statusCode() == 401) {
            throw new OpcachedClientException(OpcachedClientException.Kind.AUTHENTICATION,
                    "the daemon at " + base + " refused the token (401)");
        }
        JsonNode tree = tree(response.body());
        if (response.statusCode() != 200) {
            JsonNode error = tree == null ? null : tree.get("error");
            if (error == null || !error.isTextual()) {
                throw notOpcached(call + " answered " + response.statusCode() + " without an opcached error"
                        + " (expected a JSON object with \"error\")");
            }
            throw new OpcachedClientException(OpcachedClientException.Kind.SERVER,
                    "the daemon at " + base + " answered " + call + " with " + response.statusCode() + ": " + error.asText());
        }
        if (tree == null || !tree.isObject()) {
            throw notOpcached("the answer to " + call + " is not a JSON object");
        }
        for (String pointer : required) {
            JsonNode value = tree.at(pointer);
            if (value.isMissingNode() || value.isNull()) {
                throw notOpcached("expected field " + pointer.substring(1).replace('/', '.') + " in the answer to " + call);
            }
        }
        try {
            return new Reply<>(JSON.treeToValue(tree, type), response.body());
        } catch (IOException | IllegalArgumentException e) {
            throw notOpcached("the answer to " + call + " is not the expected JSON: " + e.getMessage());
        }
    }

    private OpcachedClientException notOpcached(String what) {
        return new OpcachedClientException(OpcachedClientException.Kind.NOT_OPCACHED,
                "not an opcached admin endpoint at " + base + ": " + what);
    }

    /** The body as JSON, or null when it is not JSON. */
    private static JsonNode tree(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static String describe(Exception e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
