package dev.opcached.daemon.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A headless Chromium driven through the DevTools protocol over a WebSocket: one page (tab) at a
 * time, its console errors, uncaught exceptions and Content-Security-Policy violations collected,
 * JavaScript evaluated in it, conditions awaited with deadlines, screenshots taken. {@link #close}
 * always ends the browser and its child processes and deletes its profile directory.
 */
public final class HeadlessChromium implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    /**
     * Run in every document before its own scripts (DevTools scripts are exempt from the page's
     * CSP): a violation of the policy becomes a console error, so that it is collected like one.
     */
    private static final String REPORT_CSP_VIOLATIONS = "document.addEventListener('securitypolicyviolation', e => "
            + "console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')));";

    private final ObjectMapper json = new ObjectMapper();
    private final Process process;
    private final Path profile;
    private final StringBuffer stderr = new StringBuffer();
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final List<String> problems = new ArrayList<>();
    private WebSocket socket;
    private String session;
    private String target;

    private HeadlessChromium(Process process, Path profile) {
        this.process = process;
        this.profile = profile;
    }

    /** Starts {@code chromium} headless with a fresh profile and connects to it. */
    public static HeadlessChromium start(Path chromium, Duration timeout) throws Exception {
        Path profile = Files.createTempDirectory("chromium-profile-");
        List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless=new", "--disable-gpu",
                "--remote-debugging-port=0", "--user-data-dir=" + profile, "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--mute-audio"));
        if ("root".equals(System.getProperty("user.name"))) {
            command.add("--no-sandbox"); // Chromium refuses to start its sandbox as root
        }
        command.add("about:blank");
        Process process;
        try {
            process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException | RuntimeException e) {
            deleteTree(profile);
            throw e;
        }
        HeadlessChromium browser = new HeadlessChromium(process, profile);
        try {
            browser.connect(browser.awaitDevToolsUrl(timeout));
            return browser;
        } catch (Exception | Error e) {
            browser.close();
            throw e;
        }
    }

    /** Reads stderr (kept for failure messages) until Chromium names its DevTools WebSocket. */
    private URI awaitDevToolsUrl(Duration timeout) throws Exception {
        CompletableFuture<URI> url = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    stderr.append(line).append('\n');
                    Matcher listening = LISTENING.matcher(line);
                    if (listening.find()) {
                        url.complete(URI.create(listening.group(1)));
                    }
                }
            } catch (IOException ignored) {
                // the browser has gone: its output ends here
            }
            url.completeExceptionally(new IllegalStateException("Chromium exited without a DevTools URL:\n" + stderr));
        }, "chromium-stderr");
        reader.setDaemon(true);
        reader.start();
        try {
            return url.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new TimeoutException("Chromium named no DevTools URL within " + timeout + ":\n" + stderr);
        }
    }

    private void connect(URI url) throws Exception {
        socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(CALL_TIMEOUT)
                .buildAsync(url, new Listener()).get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Collects a message's parts; a whole message is a command's answer or an event. */
    private final class Listener implements WebSocket.Listener {
        private final StringBuilder message = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            message.append(data);
            if (last) {
                String text = message.toString();
                message.setLength(0);
                received(text);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            pending.values().forEach(call -> call.completeExceptionally(error));
        }
    }

    private void received(String text) {
        JsonNode message;
        try {
            message = json.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (message.has("id")) {
            CompletableFuture<JsonNode> call = pending.remove(message.get("id").asLong());
            if (call != null) {
                if (message.has("error")) {
                    call.completeExceptionally(new IllegalStateException("DevTools error: " + message.get("error")));
                } else {
                    call.complete(message.get("result"));
                }
            }
            return;
        }
        event(message.path("method").asText(), message.path("params"));
    }

    private void event(String method, JsonNode params) {
        String problem = switch (method) {
            case "Runtime.consoleAPICalled" -> params.path("type").asText().matches("error|assert")
                    ? "console." + params.path("type").asText() + ": " + consoleText(params.path("args")) : null;
            case "Runtime.exceptionThrown" -> "uncaught exception: " + params.path("exceptionDetails").path("exception")
                    .path("description").asText(params.path("exceptionDetails").path("text").asText());
            case "Log.entryAdded" -> params.path("entry").path("level").asText().equals("error")
                    ? "log (" + params.path("entry").path("source").asText() + "): " + params.path("entry").path("text").asText()
                    + " " + params.path("entry").path("url").asText() : null;
            default -> null;
        };
        if (problem != null) {
            synchronized (problems) {
                problems.add(problem.strip());
            }
        }
    }

    private static String consoleText(JsonNode args) {
        StringBuilder text = new StringBuilder();
        for (JsonNode arg : args) {
            text.append(arg.has("value") ? arg.get("value").asText() : arg.path("description").asText()).append(' ');
        }
        return text.toString();
    }

    /** Sends a command (to the open page unless {@code browserLevel}) and waits for its result. */
    private JsonNode send(String method, Map<String, ?> params, boolean browserLevel) throws Exception {
        long id = ids.incrementAndGet();
        ObjectNode command = json.createObjectNode().put("id", id).put("method", method);
        command.set("params", json.valueToTree(params));
        if (!browserLevel) {
            command.put("sessionId", session);
        }
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        synchronized (this) {
            // One message at a time: a WebSocket refuses a send while the previous one is under way.
            socket.sendText(json.writeValueAsString(command), true).get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        try {
            return answer.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new TimeoutException(method + " got no answer within " + CALL_TIMEOUT + "; Chromium said:\n" + stderr);
        } finally {
            pending.remove(id);
        }
    }

    private JsonNode send(String method, Map<String, ?> params) throws Exception {
        return send(method, params, false);
    }

    /**
     * Opens a new tab of {@code width} x {@code height} CSS pixels (closing the previous one, so
     * that its session storage goes too), with console, exceptions and CSP violations collected.
     */
    public void openPage(int width, int height) throws Exception {
        if (target != null) {
            send("Target.closeTarget", Map.of("targetId", target), true);
        }
        target = send("Target.createTarget", Map.of("url", "about:blank"), true).get("targetId").asText();
        session = send("Target.attachToTarget", Map.of("targetId", target, "flatten", true), true).get("sessionId").asText();
        send("Runtime.enable", Map.of());
        send("Log.enable", Map.of());
        send("Page.enable", Map.of());
        send("Page.addScriptToEvaluateOnNewDocument", Map.of("source", REPORT_CSP_VIOLATIONS));
        send("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height,
                "deviceScaleFactor", 1, "mobile", false));
        synchronized (problems) {
            problems.clear();
        }
    }

    /** Loads {@code url} in the open tab and waits until the document and its resources are loaded. */
    public void navigate(String url, Duration timeout) throws Exception {
        JsonNode navigated = send("Page.navigate", Map.of("url", url));
        if (navigated.hasNonNull("errorText")) {
            throw new IllegalStateException("cannot load " + url + ": " + navigated.get("errorText").asText());
        }
        await("document.readyState === 'complete'", timeout);
    }

    /** The value of {@code expression} in the page (awaited when it is a promise), as JSON. */
    public JsonNode evaluate(String expression) throws Exception {
        JsonNode result = send("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true,
                "awaitPromise", true));
        if (result.has("exceptionDetails")) {
            JsonNode details = result.get("exceptionDetails");
            throw new IllegalStateException("evaluating " + expression + " threw "
                    + details.path("exception").path("description").asText(details.path("text").asText()));
        }
        return result.path("result").path("value");
    }

    /**
     * Waits until {@code expression} is truthy in the page and returns its value; the page checks
     * it every 25 ms (a timer of the page: no thread of the test sleeps). Fails at the deadline
     * with the expression's last value and the page's problems so far.
     */
    public JsonNode await(String expression, Duration timeout) throws Exception {
        String waiting = "new Promise(resolve => { const deadline = Date.now() + " + timeout.toMillis() + ";"
                + " const check = () => { let value, failure; try { value = (" + expression + "); }"
                + " catch (e) { failure = String(e); }"
                + " if (value) { resolve({met: true, value: value}); }"
                + " else if (Date.now() > deadline) { resolve({met: false, value: value === undefined ? null : value,"
                + " failure: failure || null}); }"
                + " else { setTimeout(check, 25); } }; check(); })";
        JsonNode outcome = evaluate(waiting);
        if (!outcome.path("met").asBoolean()) {
            throw new TimeoutException("not true within " + timeout + ": " + expression + " (last value "
                    + outcome.get("value") + (outcome.path("failure").isNull() ? "" : ", threw " + outcome.get("failure"))
                    + "); page problems: " + problems());
        }
        return outcome.get("value");
    }

    /** Console errors, uncaught exceptions, failed loads and CSP violations of the open tab, so far. */
    public List<String> problems() {
        synchronized (problems) {
            return List.copyOf(problems);
        }
    }

    /** Forgets the problems seen so far (after a test has checked the ones it expected). */
    public void clearProblems() {
        synchronized (problems) {
            problems.clear();
        }
    }

    /** A PNG of the whole page (not only the viewport), written to {@code file}. */
    public void screenshot(Path file) throws Exception {
        JsonNode size = send("Page.getLayoutMetrics", Map.of()).get("cssContentSize");
        Map<String, Object> clip = Map.of("x", 0, "y", 0, "width", size.get("width").asDouble(),
                "height", size.get("height").asDouble(), "scale", 1);
        JsonNode shot = send("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true, "clip", clip));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode(shot.get("data").asText()));
    }

    @Override
    public void close() throws IOException {
        // Taken first: once the browser has exited, its renderers are no longer its descendants.
        List<ProcessHandle> family = process.descendants().toList();
        try {
            if (socket != null) {
                // Asked to quit, not waited for: the browser may close the socket before it answers.
                synchronized (this) {
                    socket.sendText("{\"id\":0,\"method\":\"Browser.close\"}", true)
                            .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        } catch (Exception ignored) {
            // it is killed below anyway
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (socket != null) {
                socket.abort();
            }
            family.forEach(ProcessHandle::destroyForcibly);
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            deleteTree(profile);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
