package dev.opcached.daemon.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /metrics} of a real pool, scraped over HTTP as Prometheus does: authenticated, in the
 * text format (OpenMetrics when asked), never cached, every figure with the pool's label, counters
 * that follow what the pool did, and exactly the families of the metric table of
 * docs/admin-api.md with the types it gives them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsEndpointTest {
    /** One sample line of the text format: name, labels, value. */
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)");
    /** A {@code # TYPE} line: the family's name as written and its type. */
    private static final Pattern TYPE = Pattern.compile("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) ([a-z]+)");
    private static final Duration FIGURES_LAG = Duration.ofSeconds(30);
    private static final String OPEN_METRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private Path docroot;
    private PoolProcess pool;
    private String token;
    private String metricsToken;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        docroot = Files.createDirectories(dir.resolve("www")).toRealPath();
        Scripts.text(docroot, "hello", "hello");
        Scripts.write(docroot, "broken", "this does not compile");
        Scripts.text(Files.createDirectories(docroot.resolve("private")), "secret", "secret");
        Path blacklist = Files.writeString(dir.resolve("blacklist.txt"), docroot + "/private/\n");
        Path metricsTokenFile = dir.resolve("metrics.token");
        Files.writeString(metricsTokenFile, "ab".repeat(32) + "\n");
        Files.setPosixFilePermissions(metricsTokenFile, PosixFilePermissions.fromString("rw-------"));
        pool = PoolProcess.start(docroot, dir.resolve("shm"), "metrics", 2, "opcache.file_update_protection=0",
                "opcached.metrics_token_file=" + metricsTokenFile, "opcache.blacklist_filename=" + blacklist);
        token = Files.readString(pool.tokenFile()).strip();
        metricsToken = "ab".repeat(32);
    }

    @AfterAll
    void stop() throws Exception {
        if (pool != null) {
            pool.close();
            assertThat(pool.supervisor().output()).as("no token is ever logged").doesNotContain(token)
                    .doesNotContain(metricsToken);
        }
    }

    private HttpResponse<String> call(String method, String path, String bearer, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(pool.adminUrl() + path))
                .timeout(Duration.ofSeconds(30)).method(method, HttpRequest.BodyPublishers.noBody());
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A scrape in the text format, as Prometheus asks for it when it is not told otherwise. */
    private String scrapeText() throws Exception {
        HttpResponse<String> response = call("GET", "/metrics", token);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                assertThat(type).startsWith("text/plain; version=0.0.4"));
        return response.body();
    }

    /** Every sample of a scrape, keyed by name and labels as written ({@code name{a="b"}}). */
    private Map<String, Double> scrape() throws Exception {
        return samples(scrapeText());
    }

    private static Map<String, Double> samples(String exposition) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : exposition.split("\n")) {
            if (line.startsWith("#") || line.isEmpty()) {
                assertThat(line).as("a comment is HELP or TYPE").matches("(# (HELP|TYPE) .*)?");
                continue;
            }
            Matcher sample = SAMPLE.matcher(line);
            assertThat(sample.matches()).as("a sample line: %s", line).isTrue();
            assertThat(sample.group(2)).as("every sample has the pool label: %s", line).contains("pool=\"metrics\"");
            samples.put(sample.group(1) + (sample.group(2) == null ? "" : sample.group(2)), Double.parseDouble(sample.group(3)));
        }
        return samples;
    }

    /** The sum of every sample of {@code name} whose labels contain each of {@code labels} ({@code k="v"}). */
    private static double sum(Map<String, Double> samples, String name, String... labels) {
        return samples.entrySet().stream()
                .filter(sample -> sample.getKey().startsWith(name + "{"))
                .filter(sample -> java.util.Arrays.stream(labels).allMatch(sample.getKey()::contains))
                .mapToDouble(Map.Entry::getValue).sum();
    }

    /** The value of the one sample of {@code name} (without labels but the pool's), or null when there is none. */
    private static Double single(Map<String, Double> samples, String name) {
        return samples.get(name + "{pool=\"metrics\"}");
    }

    /** Every family of an exposition in the text format: its name as the {@code # TYPE} line writes it, and its type. */
    private static Map<String, String> families(String exposition) {
        Map<String, String> families = new TreeMap<>();
        exposition.lines().map(TYPE::matcher).filter(Matcher::matches)
                .forEach(type -> families.put(type.group(1), type.group(2)));
        return families;
    }

    /**
     * The families of the metric table of docs/admin-api.md, with their types (the first word of
     * the type column). A name written {@code _x_total} after another shares that one's stem:
     * {@code opcached_memory_used_bytes}, {@code _free_bytes} is {@code opcached_memory_free_bytes}.
     */
    private static Map<String, String> documentedFamilies() throws Exception {
        List<String> doc = Files.readAllLines(Path.of("..", "docs", "admin-api.md"));
        int header = doc.indexOf("| metric | type | labels | OPcache / status key |");
        assertThat(header).as("the metric table of admin-api.md").isNotNegative();
        Map<String, String> families = new TreeMap<>();
        for (String row : doc.subList(header + 2, doc.size())) {
            if (!row.startsWith("|")) {
                break;
            }
            String[] cells = row.split("\\|");
            String type = cells[2].strip().split(" ")[0];
            String first = null;
            for (String written : cells[1].strip().split(",\\s*")) {
                String name = written.replace("`", "");
                if (name.startsWith("_")) {
                    String[] stem = first.split("_");
                    name = String.join("_", java.util.Arrays.copyOf(stem, stem.length - (name.split("_").length - 1))) + name;
                } else {
                    first = name;
                }
                families.put(name, type);
            }
        }
        return families;
    }

    /** Scrapes until {@code condition} holds: the processes' figures reach the supervisor about once a second. */
    private Map<String, Double> awaitScrape(Predicate<Map<String, Double>> condition) throws Exception {
        long deadline = System.nanoTime() + FIGURES_LAG.toNanos();
        Map<String, Double> samples = scrape();
        while (!condition.test(samples)) {
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException("the scrape never matched; last: " + samples);
            }
            Thread.sleep(100);
            samples = scrape();
        }
        return samples;
    }

    private JsonNode status() throws Exception {
        HttpResponse<String> response = call("GET", "/status", token);
        assertThat(response.statusCode()).isEqualTo(200);
        return json.readTree(response.body());
    }

    @Test
    void aScrapeNeedsATokenAndTheMetricsTokenReadsButNeverChanges() throws Exception {
        double failuresBefore = sum(scrape(), "opcached_admin_authentication_failures_total");
        assertThat(call("GET", "/metrics", null).statusCode()).isEqualTo(401);
        assertThat(call("GET", "/metrics", "0".repeat(64)).statusCode()).isEqualTo(401);
        assertThat(sum(scrape(), "opcached_admin_authentication_failures_total")).isEqualTo(failuresBefore + 2);

        assertThat(call("GET", "/metrics", metricsToken).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/status", metricsToken).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/configuration", metricsToken).statusCode()).isEqualTo(200);
        long restarts = status().at("/opcache_statistics/manual_restarts").asLong();
        for (String change : new String[] {"/reset", "/stat/clear", "/invalidate", "/compile"}) {
            HttpResponse<String> refused = call("POST", change, metricsToken);
            assertThat(refused.statusCode()).as(change).isEqualTo(403);
            assertThat(refused.body()).contains("only read");
        }
        assertThat(status().at("/opcache_statistics/manual_restarts").asLong()).isEqualTo(restarts);
        Map<String, Double> samples = scrape();
        assertThat(sum(samples, "opcached_admin_requests_total", "route=\"/reset\"", "status=\"403\"")).isGreaterThanOrEqualTo(1);
        assertThat(sum(samples, "opcached_admin_requests_total", "route=\"/metrics\"", "status=\"401\"")).isGreaterThanOrEqualTo(2);
    }

    @Test
    void countersFollowWhatThePoolDid() throws Exception {
        Map<String, Double> before = scrape();
        for (int i = 0; i < 20; i++) {
            assertThat(pool.get("/hello.java").statusCode()).isEqualTo(200);
        }
        assertThat(pool.get("/broken.java").statusCode()).isEqualTo(500);
        Map<String, Double> after = awaitScrape(samples ->
                sum(samples, "opcached_requests_total") >= sum(before, "opcached_requests_total") + 21
                        && sum(samples, "opcached_compile_failures_total") >= 1);
        assertThat(sum(after, "opcached_hits_total")).isGreaterThanOrEqualTo(sum(before, "opcached_hits_total") + 19);
        assertThat(sum(after, "opcached_compilations_total")).isGreaterThanOrEqualTo(2);
        assertThat(sum(after, "opcached_compile_duration_seconds_count")).isGreaterThanOrEqualTo(1);
        assertThat(sum(after, "opcached_request_duration_seconds_count"))
                .as("every answer is timed").isEqualTo(sum(after, "opcached_requests_total"));
        assertThat(sum(after, "opcached_request_duration_seconds_bucket", "le=\"+Inf\""))
                .isEqualTo(sum(after, "opcached_requests_total"));
        assertThat(sum(after, "opcached_cached_scripts")).isEqualTo(status().at("/opcache_statistics/num_cached_scripts").asDouble());
        assertThat(sum(after, "opcached_workers_alive")).isEqualTo(2);
        assertThat(sum(after, "opcached_memory_used_bytes") + sum(after, "opcached_memory_free_bytes")
                + sum(after, "opcached_memory_wasted_bytes")).isEqualTo(sum(after, "opcached_memory_size_bytes"));

        double manual = sum(after, "opcached_restarts_total", "reason=\"manual\"");
        assertThat(call("POST", "/reset", token).statusCode()).isEqualTo(200);
        Map<String, Double> reset = scrape();
        assertThat(sum(reset, "opcached_restarts_total", "reason=\"manual\"")).isEqualTo(manual + 1);
        assertThat(sum(reset, "opcached_generation")).isEqualTo(sum(after, "opcached_generation") + 1);
        assertThat(sum(reset, "opcached_hits_total")).as("a restart empties the cache, not its counters")
                .isGreaterThanOrEqualTo(sum(after, "opcached_hits_total"));
        JsonNode history = status().get("restart_history");
        assertThat(history.get(history.size() - 1).get("reason").asText()).isEqualTo("manual");
        assertThat(history.get(history.size() - 1).get("generation").asDouble()).isEqualTo(sum(reset, "opcached_generation"));
    }

    @Test
    void aKilledWorkerIsCountedAsACrashAndItsSlotsRequestsNeverGoBack() throws Exception {
        for (int i = 0; i < 10; i++) {
            assertThat(pool.get("/hello.java").statusCode()).isEqualTo(200);
        }
        JsonNode worker = status().get("workers").get(0);
        String slot = worker.get("name").asText();
        Map<String, Double> before = awaitScrape(samples -> sum(samples, "opcached_requests_total", "worker=\"" + slot + "\"")
                >= worker.get("requests").asDouble());
        double served = sum(before, "opcached_requests_total", "worker=\"" + slot + "\"");
        double crashes = sum(before, "opcached_worker_restarts_total", "cause=\"crash\"");
        ProcessHandle.of(worker.get("pid").asLong()).orElseThrow().destroyForcibly();
        awaitScrape(samples -> sum(samples, "opcached_worker_restarts_total", "cause=\"crash\"") == crashes + 1);
        long deadline = System.nanoTime() + FIGURES_LAG.toNanos();
        while (!status().findValues("state").stream().allMatch(state -> state.asText().equals("serving"))) {
            assertThat(System.nanoTime() - deadline).as("the replacement serves").isNegative();
            Thread.sleep(50);
        }
        Map<String, Double> after = awaitScrape(samples -> sum(samples, "opcached_workers_alive") == 2);
        assertThat(sum(after, "opcached_requests_total", "worker=\"" + slot + "\""))
                .as("the slot's count goes on from its dead worker's, which counts once").isEqualTo(served);
    }

    @Test
    void everyFamilyIsInTheAdminApiTableWithItsTypeAndEveryFamilyThereIsExported() throws Exception {
        // Families without a point are left out: the last restart's time exists once the cache restarted.
        assertThat(call("POST", "/reset", token).statusCode()).isEqualTo(200);
        assertThat(pool.get("/hello.java").statusCode()).isEqualTo(200);
        Map<String, String> documented = documentedFamilies();
        assertThat(documented).as("the table as read").containsEntry("opcached_memory_free_bytes", "gauge")
                .containsEntry("opcached_redis_stores_total", "counter").hasSizeGreaterThan(40);
        long deadline = System.nanoTime() + FIGURES_LAG.toNanos();
        Map<String, String> exported = families(scrapeText());
        while (!exported.keySet().containsAll(documented.keySet()) && System.nanoTime() - deadline < 0) {
            Thread.sleep(100); // the histograms' first points come with the processes' first reports
            exported = families(scrapeText());
        }
        assertThat(exported.entrySet()).as("exported families (name, type) that admin-api.md documents so")
                .isSubsetOf(documented.entrySet());
        assertThat(documented.entrySet()).as("documented families (name, type) that a scrape exports so")
                .isSubsetOf(exported.entrySet());
    }

    @Test
    void theCacheFiguresAreTheStatusKeysTheTableNamesAndFollowWhatThePoolDid() throws Exception {
        Map<String, Double> before = scrape();
        Scripts.text(docroot, "fresh", "fresh"); // a miss, a javac batch, a file-cache miss (and store)
        assertThat(pool.get("/fresh.java").body()).isEqualTo("fresh");
        assertThat(pool.get("/private/secret.java").body()).isEqualTo("secret"); // blacklisted: compiled, never cached
        awaitScrape(samples -> sum(samples, "opcached_compile_batches_total") >= sum(before, "opcached_compile_batches_total") + 1);
        assertThat(call("POST", "/reset", token).statusCode()).isEqualTo(200);
        assertThat(pool.get("/fresh.java").body()).as("loaded from the file cache").isEqualTo("fresh");

        Map<String, Double> after = awaitScrape(samples ->
                sum(samples, "opcached_file_cache_hits_total") >= sum(before, "opcached_file_cache_hits_total") + 1);
        assertThat(sum(after, "opcached_misses_total")).isGreaterThanOrEqualTo(sum(before, "opcached_misses_total") + 2);
        assertThat(sum(after, "opcached_blacklist_misses_total"))
                .isGreaterThanOrEqualTo(sum(before, "opcached_blacklist_misses_total") + 1);
        assertThat(sum(after, "opcached_file_cache_misses_total"))
                .isGreaterThanOrEqualTo(sum(before, "opcached_file_cache_misses_total") + 1);
        assertThat(sum(after, "opcached_cached_keys")).isGreaterThanOrEqualTo(sum(after, "opcached_cached_scripts"))
                .isLessThanOrEqualTo(sum(after, "opcached_max_cached_keys"));
        assertThat(single(after, "opcached_cache_full")).isZero();

        // Once the pool is idle each figure is the /status key the table names.
        long deadline = System.nanoTime() + FIGURES_LAG.toNanos();
        Map<String, Double> keys = statusKeys();
        Map<String, Double> scraped = scraped(scrape(), keys);
        while (!scraped.equals(keys) && System.nanoTime() - deadline < 0) {
            Thread.sleep(100);
            keys = statusKeys();
            scraped = scraped(scrape(), keys);
        }
        assertThat(scraped).isEqualTo(keys);
    }

    /** The /status keys behind some figures of the table, by the figure's name. */
    private Map<String, Double> statusKeys() throws Exception {
        JsonNode status = status();
        JsonNode stats = status.get("opcache_statistics");
        JsonNode fileCache = status.get("file_cache_statistics");
        return new TreeMap<>(Map.of(
                "opcached_misses_total", stats.get("misses").asDouble(),
                "opcached_blacklist_misses_total", stats.get("blacklist_misses").asDouble(),
                "opcached_cached_keys", stats.get("num_cached_keys").asDouble(),
                "opcached_max_cached_keys", stats.get("max_cached_keys").asDouble(),
                "opcached_cache_full", status.get("cache_full").asBoolean() ? 1.0 : 0.0,
                "opcached_file_cache_hits_total", fileCache.get("hits").asDouble(),
                "opcached_file_cache_misses_total", fileCache.get("misses").asDouble(),
                "opcached_file_cache_stores_total", fileCache.get("stores").asDouble(),
                "opcached_file_cache_rejections_total", fileCache.get("rejections").asDouble()));
    }

    /** The figures of {@code samples} named as the keys of {@code like}. */
    private static Map<String, Double> scraped(Map<String, Double> samples, Map<String, Double> like) {
        Map<String, Double> scraped = new TreeMap<>();
        like.keySet().forEach(name -> scraped.put(name, single(samples, name)));
        return scraped;
    }

    @Test
    void theUptimeIsTheScrapesTimeLessTheStartTimeOfStatus() throws Exception {
        long beforeMillis = System.currentTimeMillis();
        Map<String, Double> samples = scrape();
        long afterMillis = System.currentTimeMillis();
        double start = single(samples, "opcached_start_time_seconds");
        assertThat((long) start).isEqualTo(status().at("/opcache_statistics/start_time").asLong());
        assertThat(single(samples, "opcached_uptime_seconds")).isPositive();
        assertThat(start + single(samples, "opcached_uptime_seconds")).as("the time of the scrape")
                .isBetween(beforeMillis / 1000.0 - 0.001, afterMillis / 1000.0 + 0.001);
    }

    @Test
    void aScrapeIsNeverCachedAndIsOpenMetricsWhenAskedFor() throws Exception {
        HttpResponse<String> text = call("GET", "/metrics", token);
        assertThat(text.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(text.body()).contains("# TYPE opcached_hits_total counter").doesNotContain("# EOF");

        HttpResponse<String> open = call("GET", "/metrics", token, "Accept", OPEN_METRICS);
        assertThat(open.statusCode()).isEqualTo(200);
        assertThat(open.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                assertThat(type).startsWith("application/openmetrics-text; version=1.0.0"));
        assertThat(open.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(open.body()).as("OpenMetrics names a counter's family without _total and ends with EOF")
                .contains("# TYPE opcached_hits counter\n").containsPattern("(?m)^opcached_hits_total\\{pool=\"metrics\"} ")
                .endsWith("# EOF\n");
    }
}
