package dev.opcached.daemon.compiler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.opcached.daemon.compile.CompilerUnavailableException;
import dev.opcached.daemon.compile.FileOutcome;
import dev.opcached.daemon.compile.PoolCompiler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * {@link CompilerServer} with a recording engine, over a real Unix domain socket and the real
 * {@link CompilerClient}: batching, streaming, deadlines, malformed requests, the socket's file.
 */
class CompilerServerTest {
    private static final long DEADLINE_MILLIS = 60_000;

    @TempDir
    Path dir;

    private Path docroot;
    private Path socket;
    private CompilerServer server;
    private ExecutorService threads;

    @BeforeEach
    void setUp() throws Exception {
        docroot = Files.createDirectory(dir.resolve("www")).toRealPath();
        Path run = Files.createDirectory(dir.resolve("run"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        socket = run.resolve("socket");
        threads = Executors.newCachedThreadPool();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
        threads.shutdownNow();
    }

    private CompilerServer start(PoolCompiler engine) throws IOException {
        server = CompilerServer.start(socket, docroot, engine);
        return server;
    }

    private Path file(String name) {
        return docroot.resolve(name);
    }

    private static void await(String what, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MILLIS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new TimeoutException("not within " + DEADLINE_MILLIS + " ms: " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void concurrentRequestsAreServedByFewerEngineCallsEachPathOnce() throws Exception {
        RecordingEngine engine = new RecordingEngine(true);
        start(engine);
        CompilerClient client = new CompilerClient(socket);
        Future<List<FileOutcome>> first = threads.submit(() -> client.compile(List.of(file("a.java"), file("b.java")),
                DEADLINE_MILLIS, PoolCompiler.Progress.NONE));
        assertThat(engine.firstCallStarted.await(60, TimeUnit.SECONDS)).isTrue();
        // While the first batch runs, 16 requests from 16 threads queue, asking for 4 files in all.
        List<Future<List<FileOutcome>>> queued = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            List<Path> paths = List.of(file("q" + (i % 4) + ".java"), file("a.java"));
            queued.add(threads.submit(() -> client.compile(paths, DEADLINE_MILLIS, PoolCompiler.Progress.NONE)));
        }
        await("16 requests queued", () -> server.queuedPaths() == 32);
        engine.release.countDown();
        assertThat(first.get(60, TimeUnit.SECONDS)).extracting(FileOutcome::path)
                .containsExactly(file("a.java").toString(), file("b.java").toString());
        for (int i = 0; i < queued.size(); i++) {
            assertThat(queued.get(i).get(60, TimeUnit.SECONDS)).extracting(FileOutcome::path)
                    .containsExactly(file("q" + (i % 4) + ".java").toString(), file("a.java").toString());
        }
        // 17 requests, 2 engine calls; the second took each queued path once.
        assertThat(engine.calls).hasSize(2);
        assertThat(engine.calls.get(1)).containsExactlyInAnyOrder(file("q0.java"), file("a.java"), file("q1.java"),
                file("q2.java"), file("q3.java"));
        assertThat(server.batches()).isEqualTo(2);
    }

    @Test
    void whatNeedsNoJavacIsAnsweredWhileABatchRunsWithoutQueueingBehindIt() throws Exception {
        RecordingEngine engine = new RecordingEngine(false);
        // Files named cached*.java load from the file cache: the engine never sees them.
        server = CompilerServer.start(socket, docroot, engine, (path, deadline) -> path.getFileName().toString().startsWith("cached")
                ? new FileOutcome(path.toString(), FileOutcome.Status.FILE_CACHE, List.of(), null, 0) : null);
        CompilerClient client = new CompilerClient(socket);
        Future<List<FileOutcome>> slow = threads.submit(() -> client.compile(List.of(file("slow.java")), DEADLINE_MILLIS,
                PoolCompiler.Progress.NONE));
        assertThat(engine.firstCallStarted.await(60, TimeUnit.SECONDS)).isTrue();
        // A worker's miss after a reset, while a batch holds the engine: answered now, not after it.
        assertThat(client.compile(List.of(file("cached-a.java")), DEADLINE_MILLIS, PoolCompiler.Progress.NONE))
                .extracting(FileOutcome::status).containsExactly(FileOutcome.Status.FILE_CACHE);
        // A request with both: the known outcome at once, the other one from the next batch.
        CountDownLatch firstOutcome = new CountDownLatch(1);
        Future<List<FileOutcome>> mixed = threads.submit(() -> client.compile(List.of(file("cached-b.java"),
                file("new.java")), DEADLINE_MILLIS, outcome -> firstOutcome.countDown()));
        assertThat(firstOutcome.await(60, TimeUnit.SECONDS)).isTrue();
        await("new.java queued", () -> server.queuedPaths() == 1);
        assertThat(mixed).isNotDone();
        engine.release.countDown();
        assertThat(slow.get(60, TimeUnit.SECONDS)).extracting(FileOutcome::status)
                .containsExactly(FileOutcome.Status.COMPILED);
        assertThat(mixed.get(60, TimeUnit.SECONDS)).extracting(FileOutcome::status)
                .containsExactly(FileOutcome.Status.FILE_CACHE, FileOutcome.Status.COMPILED);
        assertThat(engine.calls).containsExactly(List.of(file("slow.java")), List.of(file("new.java")));
    }

    @Test
    void aLookWithoutJavacThatCannotEndByTheRequestsDeadlineIsAnsweredUnavailable() throws Exception {
        RecordingEngine engine = new RecordingEngine(false);
        List<Long> deadlines = new java.util.concurrent.CopyOnWriteArrayList<>();
        long before = System.nanoTime();
        server = CompilerServer.start(socket, docroot, engine, (path, deadlineNanos) -> {
            deadlines.add(deadlineNanos);
            throw new CompilerUnavailableException(path + ": another request was still loading it");
        });
        assertThatThrownBy(() -> new CompilerClient(socket).compile(List.of(file("a.java"), file("b.java")),
                DEADLINE_MILLIS, PoolCompiler.Progress.NONE))
                .isInstanceOf(CompilerUnavailableException.class)
                .hasMessageContaining(file("a.java") + ": another request was still loading it");
        long latest = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MILLIS);
        assertThat(deadlines).as("one look, given the request's deadline").singleElement()
                .satisfies(deadline -> assertThat(deadline - before > 0 && deadline - latest <= 0).isTrue());
        assertThat(engine.calls).as("nothing made up by a batch after the deadline").isEmpty();
    }

    @Test
    void outcomesArriveAsSoonAsKnownBeforeTheBatchEnds() throws Exception {
        RecordingEngine engine = new RecordingEngine(true);
        start(engine);
        CountDownLatch firstOutcome = new CountDownLatch(1);
        List<FileOutcome> streamed = new java.util.concurrent.CopyOnWriteArrayList<>();
        Future<List<FileOutcome>> call = threads.submit(() -> new CompilerClient(socket).compile(
                List.of(file("one.java"), file("two.java")), DEADLINE_MILLIS, outcome -> {
                    streamed.add(outcome);
                    firstOutcome.countDown();
                }));
        // The engine holds its batch after the first file: the client has that outcome all the same.
        assertThat(firstOutcome.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(call).isNotDone();
        assertThat(streamed).extracting(FileOutcome::path).containsExactly(file("one.java").toString());
        engine.release.countDown();
        assertThat(call.get(60, TimeUnit.SECONDS)).extracting(FileOutcome::status)
                .containsExactly(FileOutcome.Status.COMPILED, FileOutcome.Status.COMPILED);
        assertThat(streamed).hasSize(2);
    }

    @Test
    void repeatedPathsInOneRequestGetOneOutcomeEachInTheOrderAsked() throws Exception {
        start(new RecordingEngine(false));
        List<FileOutcome> outcomes = new CompilerClient(socket).compile(List.of(file("x.java"), file("broken.java"),
                file("x.java")), DEADLINE_MILLIS, PoolCompiler.Progress.NONE);
        assertThat(outcomes).extracting(FileOutcome::status).containsExactly(FileOutcome.Status.COMPILED,
                FileOutcome.Status.FAILED, FileOutcome.Status.COMPILED);
        assertThat(outcomes.get(1).diagnostics()).singleElement().asString().contains("error: broken");
    }

    @Test
    void aCompileThatOutlastsItsDeadlineIsUnavailableWithinIt() throws Exception {
        RecordingEngine engine = new RecordingEngine(false);
        start(engine);
        long started = System.nanoTime();
        assertThatThrownBy(() -> new CompilerClient(socket).compile(List.of(file("slow.java")), 300,
                PoolCompiler.Progress.NONE)).isInstanceOf(CompilerUnavailableException.class)
                .hasMessageContaining(socket.toString())
                // whichever end's deadline came first: the client's own, or the compiler's answer to it
                .hasMessageMatching("(?s).*(within 300 ms|not compiled within deadline_ms=\\d+).*");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
        engine.release.countDown();
    }

    @Test
    void anEngineFailureReachesEveryWaiterAsUnavailable() throws Exception {
        RecordingEngine engine = new RecordingEngine(false);
        engine.failWith = new IllegalStateException("engine exploded");
        start(engine);
        assertThatThrownBy(() -> new CompilerClient(socket).compile(List.of(file("a.java")), DEADLINE_MILLIS,
                PoolCompiler.Progress.NONE)).isInstanceOf(CompilerUnavailableException.class)
                .hasMessageContaining("engine exploded");
        // and the server goes on
        engine.failWith = null;
        assertThat(new CompilerClient(socket).compile(List.of(file("a.java")), DEADLINE_MILLIS,
                PoolCompiler.Progress.NONE)).singleElement().extracting(FileOutcome::status)
                .isEqualTo(FileOutcome.Status.COMPILED);
    }

    /** One connection, raw lines: each malformed request gets its error, and the next request is served. */
    @Test
    void malformedRequestsGetAClearErrorAndCostNothingElse() throws Exception {
        RecordingEngine engine = new RecordingEngine(false);
        start(engine);
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            OutputStream out = Channels.newOutputStream(channel);
            FrameReader in = new FrameReader(Channels.newInputStream(channel), ChannelMessages.MAX_ANSWER_LINE);
            assertThat(exchange(out, in, "{\"op\":\"compile\",")).contains("\"kind\":\"bad-request\"")
                    .contains("malformed JSON");
            assertThat(exchange(out, in, "{\"op\":\"compile\",\"paths\":[\"/etc/passwd\"],\"deadline_ms\":1000}"))
                    .contains("bad-request").contains("/etc/passwd").contains("is not an absolute, normal path in the docroot");
            assertThat(exchange(out, in, "{\"op\":\"compile\",\"paths\":[\"" + docroot + "/../x.java\"],\"deadline_ms\":1000}"))
                    .contains("bad-request").contains("not an absolute, normal path");
            assertThat(exchange(out, in, "{\"op\":\"compile\",\"paths\":[\"" + file("a.java") + "\"]}"))
                    .contains("bad-request").contains("deadline_ms");
            assertThat(exchange(out, in, "{\"op\":\"compile\",\"paths\":[],\"deadline_ms\":1000}"))
                    .contains("bad-request").contains("non-empty list");
            assertThat(exchange(out, in, "{\"op\":\"launch\"}")).contains("unknown op \\\"launch\\\"")
                    .contains("the ops are compile, discard and ping");
            assertThat(exchange(out, in, "{\"op\":\"ping\",\"extra\":1}")).contains("unknown field \\\"extra\\\"");
            assertThat(exchange(out, in, "{\"op\":\"ping\",\"op\":\"compile\"}")).contains("bad-request");
            assertThat(exchange(out, in, "{\"op\":\"compile\",\"paths\":[7],\"deadline_ms\":1000}"))
                    .contains("bad-request").contains("unexpected JSON");
            assertThat(exchange(out, in, "{\"op\":\"compile\",\"paths\":[\"" + file("a.java")
                    + "\"],\"deadline_ms\":\"1000\"}")).contains("bad-request");
            String oversized = "{\"op\":\"compile\",\"paths\":[\"" + "x".repeat(ChannelMessages.MAX_REQUEST_LINE) + "\"]}";
            assertThat(exchange(out, in, oversized)).contains("bad-request").contains("request too large")
                    .contains("at most " + ChannelMessages.MAX_REQUEST_LINE + " bytes");
            // the same connection still serves
            assertThat(exchange(out, in, "{\"op\":\"ping\"}")).contains("\"pong\"").contains("\"protocol\":1");
            String compiled = exchange(out, in, "{\"op\":\"compile\",\"paths\":[\"" + file("a.java") + "\"],\"deadline_ms\":60000}");
            assertThat(compiled).contains("\"status\":\"COMPILED\"");
            assertThat(new String(in.next(), StandardCharsets.UTF_8)).isEqualTo("{\"end\":{\"files\":1}}");
        }
        // none of the bad requests reached the engine
        assertThat(engine.calls).containsExactly(List.of(file("a.java")));
    }

    /** A worker maps the segment read-only: it asks the compiler to drop an entry it found unusable. */
    @Test
    void discardReachesTheEngineWithItsRefAndSaysWhetherItInvalidated() throws Exception {
        RecordingEngine engine = new RecordingEngine(false);
        start(engine);
        CompilerClient client = new CompilerClient(socket);
        assertThat(client.discard(file("a.java"), 42, DEADLINE_MILLIS)).as("still the file's entry").isTrue();
        assertThat(client.discard(file("a.java"), 7, DEADLINE_MILLIS)).as("a successor was stored meanwhile").isFalse();
        assertThat(engine.discards).containsExactly(file("a.java") + "#42", file("a.java") + "#7");
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            OutputStream out = Channels.newOutputStream(channel);
            FrameReader in = new FrameReader(Channels.newInputStream(channel), ChannelMessages.MAX_ANSWER_LINE);
            assertThat(exchange(out, in, "{\"op\":\"discard\",\"paths\":[\"/etc/passwd\"],\"ref\":42}"))
                    .contains("bad-request").contains("is not an absolute, normal path in the docroot");
            assertThat(exchange(out, in, "{\"op\":\"discard\",\"paths\":[\"" + file("a.java") + "\"]}"))
                    .contains("bad-request").contains("\\\"ref\\\"");
            assertThat(exchange(out, in, "{\"op\":\"discard\",\"paths\":[\"" + file("a.java") + "\",\""
                    + file("b.java") + "\"],\"ref\":42}")).contains("bad-request").contains("one real path");
            assertThat(exchange(out, in, "{\"op\":\"compile\",\"paths\":[\"" + file("a.java")
                    + "\"],\"deadline_ms\":1000,\"ref\":42}")).contains("bad-request").contains("no ref");
            assertThat(exchange(out, in, "{\"op\":\"discard\",\"paths\":[\"" + file("b.java") + "\"],\"ref\":42}"))
                    .isEqualTo("{\"discarded\":{\"invalidated\":true}}");
        }
        assertThat(engine.discards).hasSize(3);
        assertThat(engine.calls).isEmpty();
    }

    private static String exchange(OutputStream out, FrameReader in, String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        return new String(in.next(), StandardCharsets.UTF_8);
    }

    @Test
    void theClientReportsARefusedRequestAsTheCallersMistake() throws Exception {
        start(new RecordingEngine(false));
        assertThatThrownBy(() -> new CompilerClient(socket).compile(List.of(Path.of("/etc/passwd")), DEADLINE_MILLIS,
                PoolCompiler.Progress.NONE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("/etc/passwd");
    }

    @Test
    void theSocketIsTheOwnersOnlyInAPrivateDirectory() throws Exception {
        start(new RecordingEngine(false));
        assertThat(Files.getAttribute(socket, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS))
                .isEqualTo(0140600); // a socket, rw-------
    }

    /** A directory whose group may pass (workers of another user): the socket is that group's to open too. */
    @Test
    void theSocketOpensToTheGroupOfADirectoryThatLetsItsGroupIn() throws Exception {
        Files.setPosixFilePermissions(socket.getParent(), PosixFilePermissions.fromString("rwx--x---"));
        start(new RecordingEngine(false));
        assertThat(Files.getAttribute(socket, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS)).isEqualTo(0140660);
        assertThat(Files.getAttribute(socket, "unix:gid", java.nio.file.LinkOption.NOFOLLOW_LINKS))
                .isEqualTo(Files.getAttribute(socket.getParent(), "unix:gid"));
    }

    @Test
    void aStaleSocketFileDoesNotStopTheNextStart() throws Exception {
        // what a SIGKILLed compiler leaves: a bound socket file that nothing listens on
        try (var stale = java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            stale.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThat(socket).exists();
        start(new RecordingEngine(false));
        assertThat(new CompilerClient(socket).ping(DEADLINE_MILLIS).pid()).isEqualTo(ProcessHandle.current().pid());
        server.close();
        server = null;
        assertThat(socket).doesNotExist();
    }

    /** A compiler stopped mid-batch (SIGTERM: replaced with its segment) sends its waiters to its replacement. */
    @Test
    void aWaiterOfAStoppedCompilerGetsItsOutcomeFromTheReplacement() throws Exception {
        RecordingEngine stopped = new RecordingEngine(false);
        start(stopped);
        Future<List<FileOutcome>> call = threads.submit(() -> new CompilerClient(socket).compile(
                List.of(file("slow.java")), DEADLINE_MILLIS, PoolCompiler.Progress.NONE));
        assertThat(stopped.firstCallStarted.await(60, TimeUnit.SECONDS)).isTrue();
        server.close();
        RecordingEngine replacement = new RecordingEngine(false);
        replacement.release.countDown();
        start(replacement);
        assertThat(call.get(60, TimeUnit.SECONDS)).singleElement().extracting(FileOutcome::status)
                .isEqualTo(FileOutcome.Status.COMPILED);
        assertThat(replacement.calls).containsExactly(List.of(file("slow.java")));
    }

    @Test
    void noCompilerIsUnavailableAtTheDeadlineNamingTheSocket() {
        assertThatThrownBy(() -> new CompilerClient(socket).compile(List.of(file("a.java")), 300,
                PoolCompiler.Progress.NONE)).isInstanceOf(CompilerUnavailableException.class)
                .hasMessageContaining(socket.toString()).hasMessageContaining("cannot connect");
    }

    @Test
    void aClientWaitsForACompilerThatIsStarting() throws Exception {
        Logger clientLog = (Logger) LoggerFactory.getLogger(CompilerClient.class);
        ListAppender<ILoggingEvent> attempts = new ListAppender<>();
        attempts.start();
        Level level = clientLog.getLevel();
        clientLog.setLevel(Level.DEBUG);
        clientLog.addAppender(attempts);
        try {
            Future<List<FileOutcome>> call = threads.submit(() -> new CompilerClient(socket).compile(
                    List.of(file("a.java")), DEADLINE_MILLIS, PoolCompiler.Progress.NONE));
            // Read under the appender's lock: the client's thread appends meanwhile.
            await("the client's first attempt failed", () -> {
                synchronized (attempts) {
                    return attempts.list.stream()
                            .anyMatch(event -> event.getFormattedMessage().contains("trying again for 1 files"));
                }
            });
            start(new RecordingEngine(false));
            assertThat(call.get(60, TimeUnit.SECONDS)).singleElement().extracting(FileOutcome::status)
                    .isEqualTo(FileOutcome.Status.COMPILED);
        } finally {
            clientLog.detachAppender(attempts);
            clientLog.setLevel(level);
        }
    }
}
