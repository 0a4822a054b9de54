package dev.opcached.daemon.admin;

import dev.opcached.daemon.compile.LocalPoolCompiler;
import dev.opcached.daemon.compile.CompilerUnavailableException;
import dev.opcached.daemon.compile.FileOutcome;
import dev.opcached.daemon.compile.PoolCompiler;
import dev.opcached.daemon.testing.Scripts;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.opcached.daemon.config.Directives;
import dev.opcached.daemon.metrics.PoolMetrics;
import dev.opcached.daemon.metrics.PoolProcesses;
import dev.opcached.daemon.runtime.CachePolicy;
import dev.opcached.daemon.runtime.ScriptRuntime;
import dev.opcached.daemon.supervisor.Supervisor;
import dev.opcached.protocol.segment.EpochClock;
import dev.opcached.protocol.segment.Segment;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * {@link AdminHandler} without sockets: Netty's EmbeddedChannel in front, a real segment behind,
 * and executors the test runs by hand, so that "a call still queued" is a state the test holds.
 */
class AdminHandlerTest {
    private static final String TOKEN = "ab".repeat(32);
    private static final String BEARER = "Bearer " + TOKEN;
    private static final DashboardFiles DASHBOARD = DashboardFiles.fromClasspath();

    @TempDir
    Path dir;

    private final ObjectMapper json = new ObjectMapper();
    private final HandExecutor reads = new HandExecutor();
    private final HandExecutor changes = new HandExecutor();
    private final ListAppender<ILoggingEvent> audit = new ListAppender<>();
    private Segment segment;
    private AdminOperations operations;

    /** An executor whose tasks run only when the test says so, on the test's thread. */
    private static final class HandExecutor implements Executor {
        private final Queue<Runnable> tasks = new ArrayDeque<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        int runAll() {
            int ran = 0;
            for (Runnable task; (task = tasks.poll()) != null; ran++) {
                task.run();
            }
            return ran;
        }
    }

    @BeforeEach
    void start() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Directives config = Directives.defaults().with(Map.of(Directives.DOCROOT, docroot.toString(),
                Directives.MEMORY_CONSUMPTION, "8"));
        segment = Segment.create(dir.resolve("test.seg"), Supervisor.segmentConfig(config));
        CachePolicy policy = CachePolicy.of(config);
        operations = new AdminOperations(segment, config, policy.blacklist(),
                LocalPoolCompiler.forDocroot(segment, docroot, policy, EpochClock.SYSTEM), List::of);
        audit.start();
        ((Logger) LoggerFactory.getLogger("audit")).addAppender(audit);
    }

    @AfterEach
    void stop() throws Exception {
        ((Logger) LoggerFactory.getLogger("audit")).detachAppender(audit);
        segment.close();
    }

    private EmbeddedChannel channel(Executor changesExecutor) {
        return channel(operations, changesExecutor);
    }

    /** The handler behind the ChunkedWriteHandler it streams with, as AdminServer builds the pipeline. */
    private EmbeddedChannel channel(AdminOperations calls, Executor changesExecutor) {
        return new EmbeddedChannel(new ChunkedWriteHandler(),
                new AdminHandler(calls, new TokenAuthenticator(TOKEN), json, reads, changesExecutor, DASHBOARD));
    }

    private static FullHttpRequest request(HttpMethod method, String uri, String authorization, String body) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri,
                Unpooled.copiedBuffer(body == null ? "" : body, StandardCharsets.UTF_8));
        if (authorization != null) {
            request.headers().set(HttpHeaderNames.AUTHORIZATION, authorization);
        }
        return request;
    }

    /** Runs every queued call and event-loop task until nothing moves, then returns what was written. */
    private List<FullHttpResponse> drain(EmbeddedChannel channel) {
        do {
            channel.runPendingTasks();
        } while (reads.runAll() + changes.runAll() > 0);
        channel.runPendingTasks();
        List<FullHttpResponse> written = new ArrayList<>();
        for (FullHttpResponse response; (response = channel.readOutbound()) != null; ) {
            written.add(response);
        }
        return written;
    }

    private JsonNode body(FullHttpResponse response) throws Exception {
        try {
            return json.readTree(response.content().toString(StandardCharsets.UTF_8));
        } finally {
            response.release();
        }
    }

    @Test
    void pipelinedAnswersLeaveInTheOrderTheRequestsCame() throws Exception {
        EmbeddedChannel channel = channel(changes);
        channel.writeInbound(request(HttpMethod.GET, "/status", BEARER, null),
                request(HttpMethod.GET, "/nope", BEARER, null),
                request(HttpMethod.GET, "/configuration", "Bearer wrong", null));
        channel.runPendingTasks();
        assertThat((Object) channel.readOutbound()).as("the 404 and the 401 wait for the status before them").isNull();

        List<FullHttpResponse> answers = drain(channel);
        assertThat(answers).extracting(r -> r.status().code()).containsExactly(200, 404, 401);
        assertThat(body(answers.get(0)).has("memory_usage")).isTrue();
        assertThat(body(answers.get(1)).get("error").asText()).isEqualTo("no such call: /nope");
        assertThat(answers.get(2).headers().get(HttpHeaderNames.WWW_AUTHENTICATE)).isEqualTo("Bearer");
        assertThat(body(answers.get(2)).get("error").asText()).isEqualTo("unauthorized");
    }

    @Test
    void requestsPipelinedAfterA401AreNeverRun() throws Exception {
        EmbeddedChannel channel = channel(changes);
        channel.writeInbound(request(HttpMethod.GET, "/status", "Bearer wrong", null),
                request(HttpMethod.POST, "/reset", BEARER, null));
        assertThat(drain(channel)).extracting(r -> r.status().code()).containsExactly(401);
        assertThat(segment.statistics().manualRestarts()).isZero();
    }

    @Test
    void aQueuedChangeWhoseCallerHasGoneIsNotRun() throws Exception {
        EmbeddedChannel channel = channel(changes);
        channel.writeInbound(request(HttpMethod.POST, "/reset", BEARER, null));
        channel.runPendingTasks();
        channel.close(); // the client timed out while the reset waited its turn
        drain(channel);
        assertThat(segment.statistics().manualRestarts()).as("no reset applied for a caller that had gone").isZero();
        assertThat(audit.list).extracting(ILoggingEvent::getFormattedMessage)
                .singleElement().asString().contains("POST /reset -> not run: the caller had gone");

        EmbeddedChannel waiting = channel(changes);
        waiting.writeInbound(request(HttpMethod.POST, "/reset", BEARER, null));
        assertThat(drain(waiting)).extracting(r -> r.status().code()).containsExactly(200);
        assertThat(segment.statistics().manualRestarts()).as("a caller that waits gets its reset").isEqualTo(1);
    }

    @Test
    void aFullQueueOfChangesAnswers503AndChangesNothing() throws Exception {
        EmbeddedChannel channel = channel(task -> {
            throw new RejectedExecutionException("full");
        });
        channel.writeInbound(request(HttpMethod.POST, "/reset", BEARER, null));
        channel.writeInbound(request(HttpMethod.GET, "/status", BEARER, null));
        List<FullHttpResponse> answers = drain(channel);
        assertThat(answers).extracting(r -> r.status().code()).containsExactly(503, 200);
        assertThat(body(answers.get(0)).get("error").asText()).contains("too many changes are waiting");
        assertThat(segment.statistics().manualRestarts()).isZero();
    }

    @Test
    void bodiesAreStrictJsonAndBadFieldsAreNamed() throws Exception {
        Map<String, String> expected = Map.of(
                "{\"prefix\":\"/x/\"} {\"prefix\":\"/\"}", "trailing data after the JSON object",
                "{\"prefix\":\"/\",\"prefix\":\"/x\"}", "Duplicate field 'prefix'",
                "{\"paths\":[null]}", "paths[0] must be a string, got null",
                "{\"paths\":[\"/a\",null]}", "paths[1] must be a string, got null",
                "{\"paths\":[1]}", "at paths[0]",
                "{\"paths\":[\"/a\"],\"force\":\"yes\"}", "at force",
                "{\"unexpected\":1}", "unknown field \"unexpected\"; known fields: force, paths, prefix");
        EmbeddedChannel channel = channel(changes);
        for (Map.Entry<String, String> body : expected.entrySet()) {
            channel.writeInbound(request(HttpMethod.POST, "/invalidate", BEARER, body.getKey()));
            FullHttpResponse answer = drain(channel).get(0);
            assertThat(answer.status().code()).as(body.getKey()).isEqualTo(400);
            assertThat(body(answer).get("error").asText()).as(body.getKey()).contains(body.getValue());
        }
        channel.writeInbound(request(HttpMethod.POST, "/compile", BEARER, "{\"paths\":[null]}"));
        FullHttpResponse compile = drain(channel).get(0);
        assertThat(compile.status().code()).isEqualTo(400);
        assertThat(body(compile).get("error").asText()).isEqualTo("paths[0] must be a string, got null");
        assertThat(segment.statistics().manualRestarts()).isZero();
    }

    @Test
    void auditLinesCannotBeForgedFromTheRequest() throws Exception {
        EmbeddedChannel channel = channel(changes);
        channel.writeInbound(request(HttpMethod.POST, "/invalidate", BEARER, "{\"pa\\nths\":1}"));
        channel.writeInbound(request(HttpMethod.POST, "/invalidate", BEARER,
                "{\"prefix\":\"/x/\"}\n2026-12-01 INFO audit - 127.0.0.1 POST /reset -> 200"));
        channel.writeInbound(request(HttpMethod.POST, "/invalidate", BEARER, "{\"prefix\":\"/srv/\u2028x\"}"));
        assertThat(drain(channel)).extracting(r -> r.status().code()).containsExactly(400, 400, 200);
        assertThat(audit.list).hasSize(3);
        for (ILoggingEvent event : audit.list) {
            assertThat(event.getFormattedMessage()).as("one line each").doesNotContain("\n", "\r", "\u2028");
        }
        assertThat(audit.list.get(0).getFormattedMessage()).contains("-> 400 unknown field \"pa\\nths\"");
        assertThat(audit.list.get(1).getFormattedMessage()).contains("{\"prefix\":\"/x/\"}\\n2026-12-01 INFO audit");
        assertThat(audit.list.get(2).getFormattedMessage()).contains("/srv/\\u2028x");
    }

    @Test
    void aLostSegmentIsAnswered503WithRetryAfterUntilItIsReplaced() throws Exception {
        Path docroot = dir.resolve("www");
        Directives config = Directives.defaults().with(Map.of(Directives.DOCROOT, docroot.toString(),
                Directives.MEMORY_CONSUMPTION, "8"));
        CachePolicy policy = CachePolicy.of(config);
        Path lostFile = dir.resolve("lost.seg");
        Segment lost = Segment.create(lostFile, Supervisor.segmentConfig(config));
        AtomicReference<Segment> current = new AtomicReference<>(lost);
        PoolCompiler compiler = LocalPoolCompiler.forDocroot(lost, docroot, policy, EpochClock.SYSTEM);
        AdminOperations replaceable = new AdminOperations(current::get, config, policy.blacklist(), () -> compiler,
                List::of, new PoolMetrics("www", current::get, PoolProcesses.NONE));
        EmbeddedChannel channel = new EmbeddedChannel(
                new AdminHandler(replaceable, new TokenAuthenticator(TOKEN), json, reads, changes, DASHBOARD));
        try (FileChannel file = FileChannel.open(lostFile, StandardOpenOption.WRITE)) {
            file.truncate(4096); // the damage of finding 12: every page past the first is gone
        }

        channel.writeInbound(request(HttpMethod.GET, "/status", BEARER, null),
                request(HttpMethod.POST, "/reset", BEARER, null),
                request(HttpMethod.POST, "/stat/clear", BEARER, null),
                request(HttpMethod.GET, "/configuration", BEARER, null));
        List<FullHttpResponse> answers = drain(channel);
        assertThat(channel.isActive()).as("the connection stays open").isTrue();
        assertThat(answers).extracting(r -> r.status().code()).containsExactly(503, 503, 503, 200);
        for (FullHttpResponse answer : answers.subList(0, 3)) {
            assertThat(answer.headers().get(HttpHeaderNames.RETRY_AFTER)).isEqualTo("1");
            assertThat(body(answer).get("error").asText()).isEqualTo(AdminHandler.SEGMENT_LOST);
        }
        answers.get(3).release();
        assertThat(audit.list).extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly("embedded POST /reset -> 503 " + AdminHandler.SEGMENT_LOST,
                        "embedded POST /stat/clear -> 503 " + AdminHandler.SEGMENT_LOST);

        current.set(segment); // the supervisor's new segment
        lost.close();
        channel.writeInbound(request(HttpMethod.GET, "/status", BEARER, null));
        FullHttpResponse replaced = drain(channel).get(0);
        assertThat(replaced.status().code()).isEqualTo(200);
        assertThat(body(replaced).has("memory_usage")).isTrue();
    }

    @Test
    void theThrottledFourthFailureIsAnsweredOnlyAfterItsDelay() throws Exception {
        TokenAuthenticator authenticator = new TokenAuthenticator(TOKEN);
        for (int i = 1; i <= 4; i++) {
            EmbeddedChannel channel = new EmbeddedChannel(new AdminHandler(operations, authenticator, json, reads, changes,
                    DASHBOARD));
            channel.writeInbound(request(HttpMethod.GET, "/status", "Bearer wrong", null));
            List<FullHttpResponse> answers = drain(channel);
            if (i < 4) {
                assertThat(answers).as("failure %d is free", i).extracting(r -> r.status().code()).containsExactly(401);
                continue;
            }
            assertThat(answers).as("the fourth waits 100 ms").isEmpty();
            channel.advanceTimeBy(100, java.util.concurrent.TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
            assertThat(drain(channel)).extracting(r -> r.status().code()).containsExactly(401);
        }
    }

    @Test
    void wrongMethodNamesTheRightOneAndUnknownPathsAre404() throws Exception {
        EmbeddedChannel channel = channel(changes);
        for (Route route : Route.TABLE) {
            HttpMethod other = route.method().equals(HttpMethod.GET) ? HttpMethod.POST : HttpMethod.GET;
            channel.writeInbound(request(other, route.path(), BEARER, null));
            FullHttpResponse answer = drain(channel).get(0);
            assertThat(answer.status().code()).as(route.path()).isEqualTo(405);
            assertThat(answer.headers().get(HttpHeaderNames.ALLOW)).isEqualTo(route.method().name());
            answer.release();
        }
        assertThat(segment.statistics().manualRestarts()).isZero();
        assertThat(audit.list).as("a refused call changes nothing and is not a change").isEmpty();
    }

    /** A docroot of {@code good} scripts and one that does not compile, for the streaming tests. */
    private List<Path> scripts(Path docroot, int good) throws Exception {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < good; i++) {
            files.add(Scripts.text(docroot, "s" + i, "s" + i).toRealPath());
        }
        files.add(1, Scripts.write(docroot, "broken", "response.write(missing);").toRealPath());
        return files;
    }

    /**
     * The pool's real compiler, gated: it compiles every file but the last, then runs {@code gate}
     * (on the test's thread, while the call is still in its compile), then the last one.
     */
    private AdminOperations gatedCompile(Path docroot, Path last, Runnable gate) throws Exception {
        Directives config = Directives.defaults().with(Map.of(Directives.DOCROOT, docroot.toString(),
                Directives.MEMORY_CONSUMPTION, "8", Directives.FILE_UPDATE_PROTECTION, "0"));
        CachePolicy policy = CachePolicy.of(config);
        PoolCompiler real = LocalPoolCompiler.forDocroot(segment, docroot, policy, EpochClock.SYSTEM);
        PoolCompiler gated = new PoolCompiler() {
            @Override
            public List<FileOutcome> compile(List<Path> paths, long deadline, Progress progress)
                    throws CompilerUnavailableException {
                List<Path> first = paths.stream().filter(path -> !path.equals(last)).toList();
                List<FileOutcome> outcomes = new ArrayList<>(real.compile(first, deadline, progress));
                if (paths.contains(last)) {
                    gate.run();
                    outcomes.addAll(real.compile(List.of(last), deadline, progress));
                }
                return outcomes;
            }

            @Override
            public boolean discard(Path realPath, long ref, long deadline) throws CompilerUnavailableException {
                return real.discard(realPath, ref, deadline);
            }
        };
        return new AdminOperations(segment, config, policy.blacklist(), gated, List::of);
    }

    /** Everything written so far: the streamed answer's head, then its lines. */
    private static List<Object> written(EmbeddedChannel channel) {
        channel.runPendingTasks();
        List<Object> written = new ArrayList<>();
        for (Object message; (message = channel.readOutbound()) != null; ) {
            written.add(message);
        }
        return written;
    }

    /** The JSON lines in {@code written}'s chunks (the chunks are released). */
    private List<JsonNode> lines(List<Object> written) throws Exception {
        StringBuilder text = new StringBuilder();
        for (Object message : written) {
            if (message instanceof HttpContent chunk) {
                text.append(chunk.content().toString(StandardCharsets.UTF_8));
                chunk.release();
            }
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : text.toString().split("\n")) {
            if (!line.isEmpty()) {
                lines.add(json.readTree(line));
            }
        }
        return lines;
    }

    @Test
    void compileStreamsEachFilesLineBeforeTheLastFileIsCompiled() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("stream"));
        List<Path> files = scripts(docroot, 29);
        Path last = files.get(files.size() - 1);
        AtomicReference<EmbeddedChannel> channel = new AtomicReference<>();
        List<Object> beforeLast = new ArrayList<>();
        AdminOperations gated = gatedCompile(docroot, last, () -> {
            beforeLast.addAll(written(channel.get()));
            // Two ticks of the "still working" timer: the first sees lines since the start, the second none.
            for (int tick = 0; tick < 2; tick++) {
                channel.get().advanceTimeBy(AdminHandler.STILL_WORKING_SECONDS, TimeUnit.SECONDS);
                channel.get().runScheduledPendingTasks();
            }
            beforeLast.addAll(written(channel.get()));
        });
        channel.set(channel(gated, changes));
        channel.get().writeInbound(request(HttpMethod.POST, "/compile", BEARER, "{\"paths\":[\"" + docroot + "\"]}"));
        channel.get().runPendingTasks();
        assertThat(changes.runAll()).as("the compile runs on the executor of changes").isEqualTo(1);

        assertThat(beforeLast.get(0)).as("the head went out before the last file was compiled")
                .isInstanceOfSatisfying(HttpResponse.class, head -> {
                    assertThat(head.status().code()).isEqualTo(200);
                    assertThat(head.headers().get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("application/x-ndjson");
                    assertThat(HttpUtil.isTransferEncodingChunked(head)).isTrue();
                });
        List<JsonNode> early = lines(beforeLast);
        assertThat(early.get(0).toString()).isEqualTo("{\"type\":\"start\",\"files\":30}");
        assertThat(early.subList(1, 30)).as("a line per file but the last, before it was compiled")
                .allMatch(line -> line.get("type").asText().equals("file"))
                .extracting(line -> line.get("path").asText())
                .containsExactlyInAnyOrderElementsOf(files.subList(0, 29).stream().map(Path::toString).toList());
        JsonNode broken = early.stream().filter(line -> line.path("path").asText().endsWith("broken.java")).findFirst()
                .orElseThrow();
        assertThat(broken.get("status").asText()).isEqualTo("failed");
        assertThat(broken.get("error").asText()).isEqualTo("does not compile");
        assertThat(broken.get("diagnostics").toString()).contains("broken.java:4: error: cannot find symbol");
        assertThat(early.get(30).toString()).as("the line of a stream that has nothing new to say")
                .isEqualTo("{\"type\":\"progress\",\"done\":29,\"files\":30}");
        assertThat(early).hasSize(31);

        List<Object> after = written(channel.get());
        assertThat(after.get(after.size() - 1)).isInstanceOf(LastHttpContent.class);
        List<JsonNode> rest = lines(after);
        assertThat(rest).hasSize(2);
        assertThat(rest.get(0).get("path").asText()).isEqualTo(last.toString());
        assertThat(rest.get(0).get("status").asText()).isEqualTo("compiled");
        JsonNode summary = rest.get(1);
        assertThat(summary.get("type").asText()).isEqualTo("summary");
        assertThat(summary.get("files").asInt()).isEqualTo(30);
        assertThat(summary.get("totals").toString()).isEqualTo(
                "{\"compiled\":29,\"current\":0,\"file_cache\":0,\"failed\":1,\"not_cached\":0,\"not_found\":0}");
        assertThat(summary.get("compiled").asInt()).isEqualTo(29);
        assertThat(summary.get("cached").asInt()).isEqualTo(29);
        assertThat(summary.at("/failed/0/path").asText()).endsWith("broken.java");
        assertThat(summary.at("/failed/0/diagnostics").toString()).contains("cannot find symbol");
        assertThat(channel.get().isActive()).as("keep-alive: the connection serves the next call").isTrue();
        assertThat(audit.list).extracting(ILoggingEvent::getFormattedMessage).singleElement().asString()
                .contains("POST /compile").contains("-> 200 streamed, last line {\"type\":\"summary\"");
    }

    @Test
    void aCallerThatLeavesMidStreamLetsTheCompileFinishAndLeavesNoMarker() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("leave"));
        List<Path> files = scripts(docroot, 5);
        AtomicReference<EmbeddedChannel> channel = new AtomicReference<>();
        List<Object> beforeLeaving = new ArrayList<>();
        AdminOperations gated = gatedCompile(docroot, files.get(files.size() - 1), () -> {
            beforeLeaving.addAll(written(channel.get()));
            channel.get().close(); // the client goes away while the compile runs
        });
        channel.set(channel(gated, changes));
        channel.get().writeInbound(request(HttpMethod.POST, "/compile", BEARER, "{\"paths\":[\"" + docroot + "\"]}"));
        drain(channel.get());

        assertThat(lines(beforeLeaving)).as("lines went out before it left").hasSizeGreaterThan(1);
        assertThat(segment.statistics().numCachedScripts()).as("every file that compiles, the last one too").isEqualTo(5);
        assertThat(segment.statistics().numCachedKeys()).as("no key left claimed by the compile").isEqualTo(5);
        assertThat(audit.list).extracting(ILoggingEvent::getFormattedMessage).singleElement().asString()
                .contains("\"compiled\":5").contains("(the caller had gone: its lines were dropped)");

        EmbeddedChannel next = channel(changes);
        next.writeInbound(request(HttpMethod.GET, "/status", BEARER, null));
        assertThat(body(drain(next).get(0)).at("/opcache_statistics/num_cached_keys").asInt()).isEqualTo(5);
    }

    @Test
    void acceptApplicationJsonGetsTheSummaryAsOneObject() throws Exception {
        Path docroot = dir.resolve("www");
        Scripts.text(docroot, "one", "one");
        EmbeddedChannel channel = channel(changes);
        FullHttpRequest compile = request(HttpMethod.POST, "/compile", BEARER,
                "{\"paths\":[\"" + docroot + "\",\"" + docroot.resolve("absent.java") + "\"]}");
        compile.headers().set(HttpHeaderNames.ACCEPT, "application/json");
        channel.writeInbound(compile);
        FullHttpResponse answer = drain(channel).get(0);
        assertThat(answer.headers().get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("application/json");
        JsonNode summary = body(answer);
        assertThat(summary.get("type").asText()).isEqualTo("summary");
        assertThat(summary.get("compiled").asInt()).isEqualTo(1);
        assertThat(summary.at("/totals/not_found").asInt()).isEqualTo(1);
        assertThat(summary.at("/failed/0/message").asText()).isEqualTo("no such file or directory");

        channel.writeInbound(request(HttpMethod.POST, "/compile", BEARER, "{\"paths\":[]}"));
        FullHttpResponse refused = drain(channel).get(0);
        assertThat(refused.status().code()).as("a bad request is refused before any line").isEqualTo(400);
        assertThat(refused.headers().get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("application/json");
        assertThat(body(refused).get("error").asText()).contains("\"paths\" must list at least one file");
    }
}
