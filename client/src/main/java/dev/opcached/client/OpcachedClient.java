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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * A Java client of a pool's admin endpoint, for deploy tools and for opcachectl. Each call returns
 * the decoded answer together with the server's JSON as it was sent. A compile can be followed
 * file by file as it runs ({@link #compile(List, CompileListener)}).
 */
public final class OpcachedClient {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private static final String JSON_TYPE = "application/json";
    private static final String NDJSON = "application/x-ndjson";
    /** What every compile summary has (the fields of the single-object answer of old among them). */
    private static final String[] SUMMARY_FIELDS = {"/compiled", "/cached", "/failed", "/totals", "/files"};

    private final URI base;
    private final String token;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param base    the endpoint, e.g. {@code http://127.0.0.1:9180}
     * @param token   the bearer token
     * @param timeout for connecting and for each answer; for a streamed compile, for each line
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

    /** Compiles, and returns the summary once every file is done (the answer to {@code Accept: application/json}). */
    public Reply<AdminMessages.CompileResponse> compile(List<String> paths) throws OpcachedClientException {
        return call("POST", "compile", new AdminMessages.CompileRequest(paths), AdminMessages.CompileResponse.class,
                SUMMARY_FIELDS);
    }

    /**
     * Compiles, handing each line of the stream to {@code listener} as it arrives; returns the
     * summary (the last line). There is no limit on the whole compile: the timeout bounds the
     * connect, the wait for the answer's head and each wait for the next line.
     *
     * @throws OpcachedClientException SERVER also when the stream ends without its summary (the
     *         call failed after its first line: the message says why, when the server said it)
     */
    public Reply<AdminMessages.CompileResponse> compile(List<String> paths, CompileListener listener)
            throws OpcachedClientException {
        String call = "POST /compile";
        StreamedLines lines = new StreamedLines();
        http.sendAsync(request("POST", "compile", new AdminMessages.CompileRequest(paths), NDJSON), lines.handler())
                .whenComplete((response, failure) -> {
                    if (failure != null) {
                        lines.failed(failure);
                    }
                });
        try {
            String first = next(lines, call);
            if (lines.status() != 200 || !lines.contentType().startsWith(NDJSON)) {
                throw notAStream(lines, first, call);
            }
            JsonNode start = first == null ? null : tree(first);
            if (start == null || !AdminMessages.COMPILE_START.equals(start.path("type").asText()) || !start.has("files")) {
                throw notOpcached("the stream of " + call + " does not begin with its start line");
            }
            listener.line(first);
            listener.started(decode(start, AdminMessages.CompileStart.class, call));
            for (String line; (line = next(lines, call)) != null; ) {
                JsonNode tree = tree(line);
                if (tree == null || !tree.isObject()) {
                    throw notOpcached("a line of the stream of " + call + " is not a JSON object");
                }
                listener.line(line);
                switch (tree.path("type").asText()) {
                    case AdminMessages.COMPILE_FILE -> listener.file(decode(tree, AdminMessages.CompileFile.class, call));
                    case AdminMessages.COMPILE_PROGRESS ->
                            listener.progress(decode(tree, AdminMessages.CompileProgress.class, call));
                    case AdminMessages.COMPILE_SUMMARY -> {
                        AdminMessages.CompileResponse summary = decode(tree, AdminMessages.CompileResponse.class, call,
                                SUMMARY_FIELDS);
                        while (next(lines, call) != null) {
                            // nothing follows the summary; reading to the end keeps the connection usable
                        }
                        return new Reply<>(summary, line);
                    }
                    case AdminMessages.COMPILE_ERROR -> throw new OpcachedClientException(OpcachedClientException.Kind.SERVER,
                            "the daemon at " + base + " failed during " + call + ": " + tree.path("error").asText());
                    default -> {
                        // a line of a later version: passed on as it is
                    }
                }
            }
            throw new OpcachedClientException(OpcachedClientException.Kind.SERVER,
                    "the stream of " + call + " from " + base + " ended before its summary line");
        } finally {
            lines.cancel();
        }
    }

    /** Why an answer is not a stream: an error the server answered with (before any line), or not opcached answering. */
    private OpcachedClientException notAStream(StreamedLines lines, String first, String call) throws OpcachedClientException {
        StringBuilder body = new StringBuilder(first == null ? "" : first);
        for (String line; (line = next(lines, call)) != null; ) {
            body.append('\n').append(line);
        }
        failIfError(lines.status(), tree(body.toString()), call);
        return notOpcached("the answer to " + call + " is not a stream of JSON lines (" + lines.contentType() + ")");
    }

    /** The next line of a stream, or null at its end, with the failures of {@link #call}'s kinds. */
    private String next(StreamedLines lines, String call) throws OpcachedClientException {
        try {
            return lines.next(timeout);
        } catch (TimeoutException e) {
            throw new OpcachedClientException(OpcachedClientException.Kind.UNREACHABLE, "the daemon at " + base
                    + " sent nothing for " + timeout.toSeconds() + " s during " + call
                    + " (the timeout, opcachectl's --timeout, bounds each wait for a line)", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? unreachable(cause, call)
                    : new OpcachedClientException(OpcachedClientException.Kind.UNREACHABLE,
                            "cannot reach the daemon at " + base + ": " + e.getCause(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OpcachedClientException(OpcachedClientException.Kind.UNREACHABLE, "interrupted", e);
        }
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
        String call = method + " /" + path;
        HttpResponse<String> response;
        try {
            response = http.send(request(method, path, body, JSON_TYPE),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw unreachable(e, call);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OpcachedClientException(OpcachedClientException.Kind.UNREACHABLE, "interrupted", e);
        }
        JsonNode tree = tree(response.body());
        failIfError(response.statusCode(), tree, call);
        if (tree == null || !tree.isObject()) {
            throw notOpcached("the answer to " + call + " is not a JSON object");
        }
        return new Reply<>(decode(tree, type, call, required), response.body());
    }

    /** A request with the token; its timeout bounds the wait for the answer's head (a streamed body has none). */
    private HttpRequest request(String method, String path, Object body, String accept) {
        HttpRequest.BodyPublisher publisher;
        try {
            publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot encode " + body, e);
        }
        return HttpRequest.newBuilder(base.resolve(path)).timeout(timeout)
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", JSON_TYPE)
                .header("Accept", accept)
                .method(method, publisher).build();
    }

    /** What a failure to call, or to read the answer, means for the caller. */
    private OpcachedClientException unreachable(Exception e, String call) {
        if (e instanceof ConnectException) {
            return new OpcachedClientException(OpcachedClientException.Kind.UNREACHABLE,
                    "cannot reach the daemon at " + base + ": connection refused: is the pool running?"
                            + " (its admin_listen, opcached.admin_listen, is the address to use)", e);
        }
        if (e instanceof HttpConnectTimeoutException) {
            return new OpcachedClientException(OpcachedClientException.Kind.UNREACHABLE,
                    "cannot reach the daemon at " + base + ": no connection within " + timeout.toSeconds() + " s", e);
        }
        if (e instanceof HttpTimeoutException) {
            return new OpcachedClientException(OpcachedClientException.Kind.UNREACHABLE,
                    "the daemon at " + base + " did not answer " + call + " within " + timeout.toSeconds() + " s", e);
        }
        return new OpcachedClientException(OpcachedClientException.Kind.UNREACHABLE,
                "cannot reach the daemon at " + base + ": " + describe(e), e);
    }

    /** Throws what a status other than 200 means: a refused token, an opcached error, or something else answering. */
    private void failIfError(int status, JsonNode tree, String call) throws OpcachedClientException {
        if (status == 401) {
            throw new OpcachedClientException(OpcachedClientException.Kind.AUTHENTICATION,
                    "the daemon at " + base + " refused the token (401)");
        }
        if (status != 200) {
            JsonNode error = tree == null ? null : tree.get("error");
            if (error == null || !error.isTextual()) {
                throw notOpcached(call + " answered " + status + " without an opcached error"
                        + " (expected a JSON object with \"error\")");
            }
            throw new OpcachedClientException(OpcachedClientException.Kind.SERVER,
                    "the daemon at " + base + " answered " + call + " with " + status + ": " + error.asText());
        }
    }

    /** {@code tree} as a {@code type}; {@code required} are the JSON pointers an opcached answer always has. */
    private <T> T decode(JsonNode tree, Class<T> type, String call, String... required) throws OpcachedClientException {
        for (String pointer : required) {
            JsonNode value = tree.at(pointer);
            if (value.isMissingNode() || value.isNull()) {
                throw notOpcached("expected field " + pointer.substring(1).replace('/', '.') + " in the answer to " + call);
            }
        }
        try {
            return JSON.treeToValue(tree, type);
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
