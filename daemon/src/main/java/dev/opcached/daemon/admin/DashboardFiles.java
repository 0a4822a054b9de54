package dev.opcached.daemon.admin;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The dashboard's static files, served from the jar without a token: {@code /} (the page) and a
 * fixed list under {@code /dashboard/}. They hold no figure of the pool (the page fetches every
 * figure from the JSON API, with the token), so a caller without the token learns nothing but
 * the page itself. Each file is read once, at start; a file missing from the jar stops the start
 * rather than serving a broken page. Any other path under {@code /dashboard/} is a 404, any method
 * but GET and HEAD a 405; any path outside the list is not this class's (it is an API call).
 */
final class DashboardFiles {
    /** The prefix of the page's assets; the page itself is {@code /}. */
    static final String PREFIX = "/dashboard/";
    /** The webjar's own record of its version: the build's uPlot, whatever version the pom names. */
    private static final String UPLOT_PROPERTIES = "/META-INF/maven/org.webjars.npm/uplot/pom.properties";
    private static final String OURS = "/dev/opcached/daemon/admin/dashboard/";
    /** Revalidated at each load (cheap with the ETag), so that an upgraded jar is seen at once. */
    private static final String CACHE_CONTROL = "no-cache";

    /** One file: its bytes, its content type and its entity tag. */
    private record File(byte[] body, String contentType, String etag) {
    }

    private final Map<String, File> files;

    private DashboardFiles(Map<String, File> files) {
        this.files = files;
    }

    /** The dashboard's files, read from the classpath (our page, and uPlot from its webjar). */
    static DashboardFiles fromClasspath() {
        String uplot = "/META-INF/resources/webjars/uplot/" + uplotVersion() + "/dist/";
        Map<String, File> files = new LinkedHashMap<>();
        files.put("/", load(OURS + "index.html", "text/html; charset=utf-8"));
        files.put(PREFIX + "dashboard.js", load(OURS + "dashboard.js", "text/javascript; charset=utf-8"));
        files.put(PREFIX + "dashboard.css", load(OURS + "dashboard.css", "text/css; charset=utf-8"));
        files.put(PREFIX + "favicon.svg", load(OURS + "favicon.svg", "image/svg+xml"));
        files.put(PREFIX + "uPlot.iife.min.js", load(uplot + "uPlot.iife.min.js", "text/javascript; charset=utf-8"));
        files.put(PREFIX + "uPlot.min.css", load(uplot + "uPlot.min.css", "text/css; charset=utf-8"));
        return new DashboardFiles(Map.copyOf(files));
    }

    private static String uplotVersion() {
        try (InputStream in = DashboardFiles.class.getResourceAsStream(UPLOT_PROPERTIES)) {
            if (in == null) {
                throw new IllegalStateException("uPlot's webjar (" + UPLOT_PROPERTIES + ") is not on the classpath:"
                        + " the dashboard cannot be served; rebuild the jar (mvn package)");
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + UPLOT_PROPERTIES, e);
        }
    }

    private static File load(String resource, String contentType) {
        try (InputStream in = DashboardFiles.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the dashboard's file " + resource
                        + " is not on the classpath: the jar is incomplete; rebuild it (mvn package)");
            }
            byte[] body = in.readAllBytes();
            return new File(body, contentType, etag(body));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the dashboard's file " + resource, e);
        }
    }

    private static String etag(byte[] body) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
            return '"' + HexFormat.of().formatHex(digest, 0, 16) + '"';
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * The answer to {@code request} if it is for the dashboard ({@code /} or under {@link #PREFIX}):
     * the file (304 when the caller's copy is current; headers only for HEAD), 404 for a path not in
     * the list, 405 for another method. Null for any other path: a call of the API.
     */
    FullHttpResponse answer(HttpRequest request) {
        String path = new QueryStringDecoder(request.uri()).path();
        if (!path.equals("/") && !path.startsWith(PREFIX)) {
            return null;
        }
        HttpMethod method = request.method();
        File file = files.get(path);
        if (file == null) {
            return text(HttpResponseStatus.NOT_FOUND, "no such file of the dashboard\n");
        }
        if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
            FullHttpResponse refused = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "the dashboard answers GET and HEAD only\n");
            refused.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            return refused;
        }
        boolean current = file.etag().equals(request.headers().get(HttpHeaderNames.IF_NONE_MATCH));
        boolean withBody = !current && method.equals(HttpMethod.GET);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                current ? HttpResponseStatus.NOT_MODIFIED : HttpResponseStatus.OK,
                withBody ? Unpooled.wrappedBuffer(file.body()) : Unpooled.EMPTY_BUFFER);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, file.contentType());
        response.headers().set(HttpHeaderNames.ETAG, file.etag());
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, CACHE_CONTROL);
        if (!current) {
            // HEAD announces the length GET would send.
            HttpUtil.setContentLength(response, file.body().length);
        }
        return response;
    }

    private static FullHttpResponse text(HttpResponseStatus status, String message) {
        byte[] body = message.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        HttpUtil.setContentLength(response, body.length);
        return response;
    }
}
