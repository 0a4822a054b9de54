package dev.opcached.daemon.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.opcached.daemon.testing.HeadlessChromium;
import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in a real headless Chromium against a real pool: it loads with no console error,
 * exception or CSP violation, refuses a wrong token without changing anything, shows the pool's
 * real figures (scripts in each sort order, workers, memory), invalidates and resets through the
 * JSON API, answers the read-only metrics token's 403 with a message that stays, and leaves a
 * screenshot in {@code target/dashboard.png}. Skipped, with the reason, only where Chromium cannot
 * be installed. Every test opens a new tab (fresh session storage); they share one pool and one
 * browser.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardBrowserTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    /** The docroot's scripts: {path, how many requests each gets before the tests}. */
    private static final Map<String, Integer> SCRIPTS = Map.of("index", 9, "hello", 5, "api/users", 7,
            "api/orders", 3, "shop/cart", 6, "shop/checkout", 2, "shop/product", 12, "admin/report", 1);
    /** A size as the page writes it: {@code 512 B}, {@code 1,234.5 KiB}. */
    private static final Pattern BYTES = Pattern.compile("([0-9][0-9,]*(?:\\.[0-9])?) (B|KiB|MiB|GiB|TiB)");
    /** A duration as the page writes it: {@code 42 s}, {@code 3 min 5 s}, {@code 2 h 10 min}, {@code 1 d 4 h}. */
    private static final String AGE = "\\d+ s|\\d+ min \\d+ s|\\d+ h \\d+ min|\\d+ d \\d+ h";

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** Clients of the pool's port, one connection each, taken in turn so that both workers serve. */
    private final List<HttpClient> visitors = Stream.generate(
            () -> HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()).limit(4).toList();
    private int visits;
    private Path docroot;
    private PoolProcess pool;
    private String token;
    private String metricsToken;
    private HeadlessChromium browser;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        Path chromium = chromium();
        docroot = Files.createDirectories(dir.resolve("www")).toRealPath();
        for (String script : SCRIPTS.keySet()) {
            Path file = docroot.resolve(script + ".java");
            Files.createDirectories(file.getParent());
            Scripts.text(file.getParent(), file.getFileName().toString().replace(".java", ""), "page " + script);
        }
        metricsToken = "cd".repeat(32);
        Path metricsTokenFile = Files.writeString(dir.resolve("metrics.token"), metricsToken + "\n");
        Files.setPosixFilePermissions(metricsTokenFile, PosixFilePermissions.fromString("rw-------"));
        pool = PoolProcess.start(docroot, dir.resolve("shm"), "www", 2, "opcache.file_update_protection=0",
                "opcached.metrics_token_file=" + metricsTokenFile);
        token = Files.readString(pool.tokenFile()).strip();
        requestEachScript();
        browser = HeadlessChromium.start(chromium, DEADLINE);
    }

    /** Chromium's path from scripts/setup-chromium (which installs it when it can), or the test is skipped. */
    private static Path chromium() throws Exception {
        Path log = Files.createTempFile("setup-chromium-", ".log");
        try {
            Process setup = new ProcessBuilder(Path.of("..", "scripts", "setup-chromium").toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            // An installation from Debian takes minutes on a fresh machine; a present Chromium, none.
            boolean done = setup.waitFor(15, TimeUnit.MINUTES);
            if (!done) {
                // apt-get and dpkg below the script too, or they would hold the package lock
                setup.descendants().forEach(ProcessHandle::destroyForcibly);
                setup.destroyForcibly().waitFor();
            }
            String output = Files.readString(log).strip();
            String[] lines = output.split("\n");
            Path chromium = Path.of(lines[lines.length - 1]);
            Assumptions.assumeTrue(done && setup.exitValue() == 0 && Files.isExecutable(chromium),
                    () -> "the dashboard's browser test needs Chromium, and scripts/setup-chromium could not provide it"
                            + (done ? "" : " within 15 minutes") + ": " + output);
            return chromium;
        } finally {
            Files.delete(log);
        }
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (browser != null) {
                browser.close();
            }
        } finally {
            if (pool != null) {
                pool.close();
                assertThat(pool.supervisor().output()).as("the tokens are never logged").doesNotContain(token)
                        .doesNotContain(metricsToken);
            }
        }
    }

    @BeforeEach
    void newTab() throws Exception {
        browser.openPage(1400, 900);
    }

    @AfterEach
    void noProblems() {
        assertThat(browser.problems()).as("console errors, exceptions, failed loads, CSP violations").isEmpty();
    }

    private void request(String script) throws IOException, InterruptedException {
        HttpResponse<String> answer = visitors.get(visits++ % visitors.size()).send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + pool.port() + "/" + script + ".java")).timeout(DEADLINE).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.body()).as(script).isEqualTo("page " + script);
    }

    private JsonNode status() throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(pool.adminUrl() + "/status?scripts=1"))
                .header("Authorization", "Bearer " + token).timeout(DEADLINE).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return json.readTree(answer.body());
    }

    private HttpResponse<String> adminPost(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(pool.adminUrl() + path)).header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(DEADLINE).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String js(String text) throws Exception {
        return json.writeValueAsString(text);
    }

    private void open() throws Exception {
        browser.navigate(pool.adminUrl() + "/?every=1", DEADLINE);
        browser.await("!document.getElementById('signin').hidden && document.activeElement.id === 'token'", DEADLINE);
    }

    private void typeToken(String typed) throws Exception {
        browser.evaluate("document.getElementById('token').value = " + js(typed) + ";"
                + " document.getElementById('signin-form').requestSubmit(); true");
    }

    /** Opens the page, signs in with the pool's token and waits for the first sample to be drawn. */
    private void signIn() throws Exception {
        signIn(token);
    }

    private void signIn(String with) throws Exception {
        open();
        typeToken(with);
        browser.await("!document.getElementById('dashboard').hidden"
                + " && document.getElementById('tile-scripts').textContent !== '–'", DEADLINE);
    }

    private String text(String id) throws Exception {
        return browser.evaluate("document.getElementById(" + js(id) + ").textContent").asText();
    }

    private void click(String id) throws Exception {
        browser.evaluate("document.getElementById(" + js(id) + ").click(); true");
    }

    /** Waits until the page has drawn a sample taken after this call. */
    private void awaitNextSample() throws Exception {
        int seen = browser.evaluate("Number(document.getElementById('dashboard').dataset.samples)").asInt();
        browser.await("Number(document.getElementById('dashboard').dataset.samples) > " + seen, DEADLINE);
    }

    /** Requests each script as often as {@link #SCRIPTS} says: cached again, with hits that differ. */
    private void requestEachScript() throws Exception {
        for (Map.Entry<String, Integer> script : SCRIPTS.entrySet()) {
            for (int i = 0; i < script.getValue(); i++) {
                request(script.getKey());
            }
        }
    }

    /** The Invalidate button of {@code path}'s row, as a JavaScript expression (undefined without the row). */
    private String invalidateButton(String path) throws Exception {
        return "Array.from(document.querySelectorAll('#scripts button[data-path]')).find(b => b.dataset.path === "
                + js(path) + ")";
    }

    /** The script rows' paths in the order the page lists them. */
    private List<String> listedPaths() throws Exception {
        List<String> listed = new ArrayList<>();
        browser.evaluate("Array.from(document.querySelectorAll('#scripts button[data-path]'), b => b.dataset.path)")
                .forEach(path -> listed.add(path.asText()));
        return listed;
    }

    /** The cells' text of each row of the table body {@code id}. */
    private List<List<String>> rows(String id) throws Exception {
        List<List<String>> rows = new ArrayList<>();
        browser.evaluate("Array.from(document.querySelectorAll('#" + id + " tr'), tr => Array.from(tr.cells, td => td.textContent))")
                .forEach(row -> {
                    List<String> cells = new ArrayList<>();
                    row.forEach(cell -> cells.add(cell.asText()));
                    rows.add(cells);
                });
        return rows;
    }

    /** The bytes a size the page wrote stands for, and the rounding it allows (half its last digit). */
    private static double[] shownBytes(String shown) {
        Matcher size = BYTES.matcher(shown);
        assertThat(size.find()).as("a size: %s", shown).isTrue();
        double unit = Math.pow(1024, List.of("B", "KiB", "MiB", "GiB", "TiB").indexOf(size.group(2)));
        return new double[] {Double.parseDouble(size.group(1).replace(",", "")) * unit, unit == 1 ? 0 : unit * 0.05};
    }

    /**
     * /status's scripts in the page's order for {@code figure} (a key of a script, null: by path
     * alone): the highest first, an unknown figure last, the path between equals.
     */
    private static List<String> sortedBy(JsonNode scripts, String figure) {
        Comparator<Map.Entry<String, JsonNode>> order = Comparator.comparing(Map.Entry::getKey);
        if (figure != null) {
            Comparator<Map.Entry<String, JsonNode>> byFigure = Comparator.comparingDouble(script ->
                    script.getValue().path(figure).isNumber() ? script.getValue().get(figure).asDouble() : -1);
            order = byFigure.reversed().thenComparing(order);
        }
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
        scripts.fields().forEachRemaining(entries::add);
        return entries.stream().sorted(order).map(Map.Entry::getKey).toList();
    }

    /** The calls of GET /status the page has made so far (from the browser's resource timing). */
    private int statusCalls() throws Exception {
        return browser.evaluate("performance.getEntriesByType('resource').filter(e => e.name.includes('/status?')).length")
                .asInt();
    }

    @Test
    void thePageLoadsWithoutErrorsAndAsksForTheToken() throws Exception {
        open();
        assertThat(browser.evaluate("document.getElementById('dashboard').hidden").asBoolean())
                .as("no figure is shown before the token").isTrue();
        assertThat(browser.evaluate("document.cookie").asText()).as("no cookie").isEmpty();
        assertThat(browser.evaluate("typeof uPlot").asText()).as("uPlot loaded from the jar").isEqualTo("function");
    }

    @Test
    void aWrongTokenIsRefusedWithAClearMessageAndChangesNothing() throws Exception {
        JsonNode before = status();
        open();
        typeToken("0".repeat(64));
        String message = browser.await("!document.getElementById('signin-error').hidden"
                + " && document.getElementById('signin-error').textContent", DEADLINE).asText();
        assertThat(message).contains("refused this token", "401", "Nothing was changed");
        assertThat(browser.evaluate("document.getElementById('dashboard').hidden").asBoolean()).isTrue();
        assertThat(browser.evaluate("sessionStorage.length").asInt()).as("a refused token is not kept").isZero();

        JsonNode after = status();
        for (String figure : List.of("/segment/generation", "/opcache_statistics/manual_restarts",
                "/opcache_statistics/num_cached_scripts")) {
            assertThat(after.at(figure)).as(figure).isEqualTo(before.at(figure));
        }
        assertThat(browser.problems()).as("the browser's own note of the refused call, nothing else")
                .isNotEmpty().allMatch(problem -> problem.contains("401"));
        browser.clearProblems();
    }

    @Test
    void theRightTokenShowsTheRealScriptCountAndListsEveryScript() throws Exception {
        for (String script : SCRIPTS.keySet()) {
            request(script); // cached again, whatever another test invalidated or reset
        }
        JsonNode status = status();
        long count = status.at("/opcache_statistics/num_cached_scripts").asLong();
        assertThat(count).as("every script of the docroot is cached").isEqualTo(SCRIPTS.size());
        signIn();
        browser.await("document.getElementById('tile-scripts').textContent === '" + count + "'", DEADLINE);
        List<String> listed = listedPaths();
        List<String> cached = new ArrayList<>();
        status.get("scripts").fieldNames().forEachRemaining(cached::add);
        assertThat(listed).containsExactlyInAnyOrderElementsOf(cached);
        assertThat(browser.evaluate("sessionStorage.length").asInt()).as("the accepted token is kept by the tab").isOne();
        assertThat(text("workers-count")).isEqualTo("2 processes");

        browser.evaluate("document.getElementById('script-search').value = 'shop/';"
                + " document.getElementById('script-search').dispatchEvent(new Event('input')); true");
        assertThat(text("script-count")).isEqualTo("3 of " + count + " scripts");

        click("forget");
        browser.await("!document.getElementById('signin').hidden && document.getElementById('dashboard').hidden", DEADLINE);
        assertThat(browser.evaluate("sessionStorage.length").asInt()).as("forgotten").isZero();
    }

    @Test
    void theScriptListSortsByEachOptionInTheOrderOfStatusFigures() throws Exception {
        requestEachScript();
        signIn();
        awaitNextSample(); // taken after the requests; nothing runs until the end of the test
        JsonNode scripts = status().get("scripts");
        assertThat(sortedBy(scripts, "hits")).as("the hits differ from the paths' order").isNotEqualTo(sortedBy(scripts, null));
        Map<String, String> options = Map.of("hits", "hits", "memory", "memory_consumption",
                "last_used", "last_used_timestamp");
        for (String option : List.of("hits", "memory", "last_used", "path")) {
            browser.evaluate("document.getElementById('script-sort').value = " + js(option) + ";"
                    + " document.getElementById('script-sort').dispatchEvent(new Event('change')); true");
            assertThat(browser.evaluate("document.getElementById('script-sort').value").asText()).isEqualTo(option);
            assertThat(listedPaths()).as("sorted by %s", option).containsExactlyElementsOf(sortedBy(scripts, options.get(option)));
        }
        // The hits column shows the figure it is sorted by.
        browser.evaluate("document.getElementById('script-sort').value = 'hits';"
                + " document.getElementById('script-sort').dispatchEvent(new Event('change')); true");
        List<Long> hits = rows("scripts").stream().map(row -> Long.parseLong(row.get(1).replace(",", ""))).toList();
        assertThat(hits).containsExactlyElementsOf(sortedBy(scripts, "hits").stream()
                .map(path -> scripts.get(path).get("hits").asLong()).toList());
    }

    @Test
    void theWorkersAndTheMemoryFiguresAreThoseOfStatus() throws Exception {
        signIn();
        // The workers report their requests about once a second: a sample may be one report behind /status.
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        List<List<String>> shown;
        JsonNode status;
        List<String> expected;
        do {
            awaitNextSample();
            shown = rows("workers");
            status = status();
            expected = new ArrayList<>();
            for (JsonNode worker : status.get("workers")) {
                expected.add(worker.get("name").asText() + " pid " + worker.get("pid").asLong() + " requests "
                        + (worker.get("requests").isNumber() ? worker.get("requests").asLong() : "–"));
            }
        } while (!expected.equals(described(shown)) && System.nanoTime() - deadline < 0);
        assertThat(described(shown)).as("name, pid and requests of each worker").containsExactlyElementsOf(expected);
        assertThat(expected).hasSize(2);
        for (int i = 0; i < shown.size(); i++) {
            List<String> row = shown.get(i);
            JsonNode worker = status.get("workers").get(i);
            assertThat(row).as("name, pid, state, age, requests, RSS, PSS, restarts").hasSize(8);
            assertThat(row.get(2)).isEqualTo(worker.get("state").asText());
            assertThat(row.get(3)).as("age").matches(AGE);
            assertThat(row.get(5)).as("RSS").matches(worker.get("rss").isNumber() ? BYTES.pattern() : "–");
            assertThat(row.get(6)).as("PSS").matches(worker.get("pss").isNumber() ? BYTES.pattern() : "–");
            assertThat(row.get(7)).as("restarts").isEqualTo(worker.get("restarts").asText());
        }

        JsonNode memory = status.get("memory_usage");
        for (Map.Entry<String, String> figure : Map.of("memory-used", "used_memory", "memory-free", "free_memory",
                "memory-wasted", "wasted_memory").entrySet()) {
            double[] shownBytes = shownBytes(text(figure.getKey()));
            assertThat(shownBytes[0]).as("%s: %s", figure.getKey(), text(figure.getKey()))
                    .isCloseTo(memory.get(figure.getValue()).asDouble(), within(shownBytes[1]));
        }
        assertThat(shownBytes(text("memory-size"))[0]).isCloseTo(status.at("/segment/size").asDouble(),
                within(shownBytes(text("memory-size"))[1]));
        assertThat(text("tile-memory")).isEqualTo(text("memory-used"));
    }

    /** A worker row as name, pid and requests (without the digits' grouping), to compare with /status. */
    private static List<String> described(List<List<String>> rows) {
        return rows.stream().map(row -> row.get(0) + " pid " + row.get(1) + " requests " + row.get(4).replace(",", "")).toList();
    }

    @Test
    void withTheReadOnlyTokenThePageShowsTheFiguresAndItsInvalidateAndResetAreRefused() throws Exception {
        request("shop/cart");
        String cart = docroot.resolve("shop/cart.java").toString();
        JsonNode before = status();
        assertThat(before.get("scripts").has(cart)).isTrue();
        signIn(metricsToken);
        String button = invalidateButton(cart);
        browser.await(button, DEADLINE);
        browser.evaluate(button + ".click(); true");
        String banner = browser.await("!document.getElementById('banner').hidden && document.getElementById('banner').textContent",
                DEADLINE).asText();
        assertThat(banner).isEqualTo("Invalidating " + cart + " failed: 403 this token may only read (the metrics token):"
                + " /invalidate changes the cache");
        awaitNextSample();
        assertThat(browser.evaluate("!document.getElementById('banner').hidden && document.getElementById('banner').textContent")
                .asText()).as("the refusal stays on the page after the next sample").isEqualTo(banner);
        assertThat(browser.evaluate(button + ".textContent + ' ' + " + button + ".disabled").asText())
                .as("the button, ready again").isEqualTo("Invalidate false");
        assertThat(status().get("scripts").has(cart)).as("still cached").isTrue();

        click("reset");
        browser.await("!document.getElementById('reset-confirm').hidden", DEADLINE);
        click("reset-yes");
        browser.await("document.getElementById('banner').textContent.startsWith('Resetting the cache failed: 403 ')", DEADLINE);
        JsonNode after = status();
        assertThat(after.at("/segment/generation")).isEqualTo(before.at("/segment/generation"));
        assertThat(after.at("/opcache_statistics/manual_restarts")).isEqualTo(before.at("/opcache_statistics/manual_restarts"));
        assertThat(browser.problems()).as("the browser's own note of the refused calls, nothing else")
                .isNotEmpty().allMatch(problem -> problem.contains("403"));
        browser.clearProblems();
    }

    @Test
    void invalidatingAScriptFromThePageRemovesItFromStatus() throws Exception {
        request("shop/cart");
        String cart = docroot.resolve("shop/cart.java").toString();
        assertThat(status().get("scripts").has(cart)).isTrue();
        signIn();
        String button = invalidateButton(cart);
        browser.await(button, DEADLINE);
        browser.evaluate(button + ".click(); true");
        String notice = browser.await("!document.getElementById('notice').hidden && document.getElementById('notice').textContent",
                DEADLINE).asText();
        assertThat(notice).isEqualTo("Invalidated " + cart);
        assertThat(status().get("scripts").has(cart)).as("gone from /status").isFalse();
        browser.await("!(" + button + ")", DEADLINE);
    }

    @Test
    void theResetButtonDoesNothingUntilConfirmedThenResets() throws Exception {
        JsonNode before = status();
        long generation = before.at("/segment/generation").asLong();
        long manual = before.at("/opcache_statistics/manual_restarts").asLong();
        signIn();

        click("reset");
        browser.await("!document.getElementById('reset-confirm').hidden", DEADLINE);
        assertThat(text("reset-question")).startsWith("Reset the cache of this pool now?");
        awaitNextSample();
        click("reset-no");
        browser.await("document.getElementById('reset-confirm').hidden && !document.getElementById('reset-start').hidden",
                DEADLINE);
        awaitNextSample();
        JsonNode unconfirmed = status();
        assertThat(unconfirmed.at("/segment/generation").asLong()).as("not reset without the confirmation").isEqualTo(generation);
        assertThat(unconfirmed.at("/opcache_statistics/manual_restarts").asLong()).isEqualTo(manual);

        click("reset");
        browser.await("!document.getElementById('reset-confirm').hidden", DEADLINE);
        click("reset-yes");
        String notice = browser.await("!document.getElementById('notice').hidden && document.getElementById('notice').textContent",
                DEADLINE).asText();
        assertThat(notice).isEqualTo("The cache was reset: generation " + (generation + 1)
                + ", manual restarts " + (manual + 1) + ".");
        JsonNode after = status();
        assertThat(after.at("/segment/generation").asLong()).isEqualTo(generation + 1);
        assertThat(after.at("/opcache_statistics/manual_restarts").asLong()).isEqualTo(manual + 1);
        // The restart's row, newest first: its time, reason and the generation it started.
        browser.await("document.getElementById('tile-generation').textContent === '" + (generation + 1) + "'"
                + " && document.querySelector('#restarts tr').textContent.includes('manual')"
                + " && document.querySelector('#restarts tr td:last-child').textContent === '" + (generation + 1) + "'",
                DEADLINE);
    }

    @Test
    void samplingPausesWhileTheTabIsHiddenAndResumesWhenItIsShown() throws Exception {
        signIn();
        awaitNextSample();
        browser.evaluate("Object.defineProperty(document, 'hidden', {value: true, configurable: true});"
                + " document.dispatchEvent(new Event('visibilitychange')); true");
        browser.await("document.getElementById('updated').textContent === 'paused while the tab is hidden'", DEADLINE);
        int paused = statusCalls();
        // Absence can only be watched for a while: two sampling intervals (1 s each here), no call.
        browser.evaluate("new Promise(resolve => setTimeout(() => resolve(true), 2000))");
        assertThat(statusCalls()).as("calls while hidden").isEqualTo(paused);

        browser.evaluate("delete document.hidden; document.dispatchEvent(new Event('visibilitychange')); true");
        browser.await("performance.getEntriesByType('resource').filter(e => e.name.includes('/status?')).length > " + paused
                + " && document.getElementById('updated').textContent.startsWith('updated')", DEADLINE);
    }

    /**
     * The picture of the README's tour, docs/dashboard.png, is this file copied by hand: copy it
     * again after any change of the page (its files under the admin package's dashboard resources).
     */
    @Test
    void aScreenshotOfTheDashboardUnderLoadIsWrittenToTarget() throws Exception {
        signIn();
        List<String> scripts = List.copyOf(SCRIPTS.keySet());
        for (int round = 0; round < 8; round++) {
            if (round == 3) {
                // A restart to show: the memory, the restarts and the hit rate's dip as the scripts come back.
                assertThat(adminPost("/reset").statusCode()).isEqualTo(200);
            }
            // A changing load, one burst between two samples, so that the charts have a shape.
            for (int i = 0; i < 12 + 7 * (round % 4); i++) {
                request(scripts.get((i * (round + 1) + i / 3) % scripts.size()));
            }
            awaitNextSample();
        }
        browser.await("document.getElementById('restarts').textContent.includes('manual')", DEADLINE);
        Path shot = Path.of("target", "dashboard.png");
        browser.screenshot(shot);
        byte[] png = Files.readAllBytes(shot);
        assertThat(png).as("a PNG").startsWith(0x89, 'P', 'N', 'G');
        assertThat(png.length).as("a page, not a blank").isGreaterThan(20_000);
    }
}
