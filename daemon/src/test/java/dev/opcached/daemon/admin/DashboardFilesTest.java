package dev.opcached.daemon.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.compile.LocalPoolCompiler;
import dev.opcached.daemon.config.Directives;
import dev.opcached.daemon.config.HostPort;
import dev.opcached.daemon.runtime.CachePolicy;
import dev.opcached.daemon.supervisor.Supervisor;
import dev.opcached.protocol.segment.EpochClock;
import dev.opcached.protocol.segment.Segment;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's files on a real {@link AdminServer}: served without a token, every answer (the
 * files, the JSON calls and their errors) with the security headers, and the JSON calls still
 * behind the token.
 */
class DashboardFilesTest {
    private static final String TOKEN = "cd".repeat(32);
    private static final List<String> ASSETS = List.of("/dashboard/dashboard.js", "/dashboard/dashboard.css",
            "/dashboard/favicon.svg", "/dashboard/uPlot.iife.min.js", "/dashboard/uPlot.min.css");

    @TempDir
    Path dir;

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private Segment segment;
    private AdminServer server;

    @BeforeEach
    void start() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Directives config = Directives.defaults().with(Map.of(Directives.DOCROOT, docroot.toString(),
                Directives.MEMORY_CONSUMPTION, "8"));
        segment = Segment.create(dir.resolve("test.seg"), Supervisor.segmentConfig(config));
        CachePolicy policy = CachePolicy.of(config);
        AdminOperations operations = new AdminOperations(segment, config, policy.blacklist(),
                LocalPoolCompiler.forDocroot(segment, docroot, policy, EpochClock.SYSTEM), List::of);
        server = AdminServer.start(new HostPort("127.0.0.1", 0), TOKEN, null, operations, null, 30);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        segment.close();
    }

    private HttpResponse<byte[]> send(String method, String path, Map<String, String> headers, String body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpResponse<byte[]> get(String path) throws Exception {
        return send("GET", path, Map.of(), null);
    }

    private static void assertSecurityHeaders(HttpResponse<?> response) {
        assertThat(response.headers().firstValue("Content-Security-Policy")).as("CSP of %s", response.uri())
                .hasValue("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                        + "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
        assertThat(response.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(response.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
        assertThat(response.headers().firstValue("Set-Cookie")).as("no cookie, ever").isEmpty();
    }

    private static byte[] resource(String name) throws Exception {
        try (InputStream in = DashboardFilesTest.class.getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    @Test
    void thePageAndItsAssetsNeedNoTokenAndCarryTheSecurityHeaders() throws Exception {
        HttpResponse<byte[]> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValueAsLong("Content-Length")).hasValue(page.body().length);
        assertThat(page.headers().firstValue("ETag")).isPresent();
        assertSecurityHeaders(page);
        assertThat(new String(page.body(), StandardCharsets.UTF_8)).contains("<title>opcached dashboard</title>");

        Map<String, String> types = Map.of("js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8",
                "svg", "image/svg+xml");
        for (String asset : ASSETS) {
            HttpResponse<byte[]> file = get(asset);
            assertThat(file.statusCode()).as(asset).isEqualTo(200);
            assertThat(file.headers().firstValue("Content-Type")).as(asset)
                    .hasValue(types.get(asset.substring(asset.lastIndexOf('.') + 1)));
            assertThat(file.headers().firstValueAsLong("Content-Length")).as(asset).hasValue(file.body().length);
            assertSecurityHeaders(file);
        }
        assertThat(get("/dashboard/uPlot.iife.min.js").body()).as("uPlot, as its webjar ships it")
                .isEqualTo(resource("/META-INF/resources/webjars/uplot/1.6.30/dist/uPlot.iife.min.js"));
    }

    @Test
    void headAnswersTheHeadersAndACurrentCopyIsNotSentAgain() throws Exception {
        HttpResponse<byte[]> full = get("/dashboard/dashboard.js");
        HttpResponse<byte[]> head = send("HEAD", "/dashboard/dashboard.js", Map.of(), null);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(full.body().length);

        String etag = full.headers().firstValue("ETag").orElseThrow();
        HttpResponse<byte[]> current = send("GET", "/dashboard/dashboard.js", Map.of("If-None-Match", etag), null);
        assertThat(current.statusCode()).isEqualTo(304);
        assertThat(current.body()).isEmpty();
        assertSecurityHeaders(current);
        assertThat(send("GET", "/dashboard/dashboard.js", Map.of("If-None-Match", "\"other\""), null).statusCode())
                .isEqualTo(200);
    }

    @Test
    void unknownFilesAre404AndOtherMethods405WithoutAToken() throws Exception {
        for (String path : List.of("/dashboard/", "/dashboard/nope.js", "/dashboard/../status",
                "/dashboard/dashboard.js/x")) {
            HttpResponse<byte[]> missing = get(path);
            assertThat(missing.statusCode()).as(path).isEqualTo(404);
            assertSecurityHeaders(missing);
        }
        HttpResponse<byte[]> post = send("POST", "/", Map.of(), "{}");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
        assertSecurityHeaders(post);
    }

    @Test
    void everyJsonCallStillNeedsTheTokenAndCarriesTheHeadersToo() throws Exception {
        for (String[] call : List.of(new String[] {"GET", "/status?scripts=1"}, new String[] {"GET", "/configuration"},
                new String[] {"POST", "/reset"}, new String[] {"POST", "/invalidate"})) {
            HttpResponse<byte[]> refused = send(call[0], call[1], Map.of(), call[0].equals("POST") ? "{}" : null);
            assertThat(refused.statusCode()).as("%s %s without a token", call[0], call[1]).isEqualTo(401);
            assertSecurityHeaders(refused);
        }
        assertThat(segment.statistics().manualRestarts()).as("nothing was reset").isZero();

        Map<String, String> bearer = Map.of("Authorization", "Bearer " + TOKEN);
        HttpResponse<byte[]> status = send("GET", "/status", bearer, null);
        assertThat(status.statusCode()).isEqualTo(200);
        assertThat(status.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertSecurityHeaders(status);
        HttpResponse<byte[]> unknown = send("GET", "/nope", bearer, null);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertSecurityHeaders(unknown);
        HttpResponse<byte[]> tooLarge = send("POST", "/invalidate", bearer, "x".repeat(AdminServer.MAX_BODY + 1));
        assertThat(tooLarge.statusCode()).as("the codec's own refusal").isEqualTo(413);
        assertSecurityHeaders(tooLarge);
    }

    @Test
    void thePageRunsNoInlineScriptOrStyleAndInsertsNoHtml() throws Exception {
        String page = new String(get("/").body(), StandardCharsets.UTF_8);
        assertThat(page).doesNotContainPattern("(?i)<script(?![^>]*\\ssrc=)[^>]*>")
                .doesNotContainPattern("(?i)<style").doesNotContainPattern("(?i)\\sstyle=")
                .doesNotContainPattern("(?i)\\son[a-z]+=").doesNotContainPattern("(?i)javascript:")
                .doesNotContainPattern("(?i)(src|href)=\"(https?:)?//");
        Matcher references = Pattern.compile("(?:src|href)=\"([^\"]+)\"").matcher(page);
        int referenced = 0;
        while (references.find()) {
            assertThat(get(references.group(1)).statusCode()).as("the page's %s", references.group(1)).isEqualTo(200);
            referenced++;
        }
        assertThat(referenced).as("scripts, styles and icon the page loads").isGreaterThanOrEqualTo(5);

        String script = new String(get("/dashboard/dashboard.js").body(), StandardCharsets.UTF_8);
        assertThat(script).as("data reaches the DOM as text only")
                .doesNotContain("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(")
                .doesNotContain("document.cookie", "localStorage").contains("sessionStorage");
    }
}
