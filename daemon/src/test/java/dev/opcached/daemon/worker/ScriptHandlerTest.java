package dev.opcached.daemon.worker;

import dev.opcached.daemon.testing.LocalRuntime;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.read.ListAppender;
import dev.opcached.daemon.accesslog.AccessLog;
import dev.opcached.daemon.runtime.CachePolicy;
import dev.opcached.daemon.control.SupervisorLine;
import dev.opcached.daemon.runtime.ScriptRunner;
import dev.opcached.daemon.runtime.ScriptRuntime;
import dev.opcached.protocol.segment.EpochClock;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentConfig;
import dev.opcached.daemon.testing.Scripts;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.io.ByteArrayOutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The worker's HTTP handling on an EmbeddedChannel: what a request that runs no script gets. */
class ScriptHandlerTest {
    @TempDir
    Path dir;
    private Path docroot;
    private Segment segment;
    private RequestExecutor executor;
    private final ByteArrayOutputStream reportPipe = new ByteArrayOutputStream();
    private final int[] exitCode = {-1};

    @BeforeEach
    void start() throws Exception {
        docroot = Files.createDirectories(dir.resolve("www"));
        segment = Segment.create(dir.resolve("test.seg"), new SegmentConfig(16 << 20, 200, 5));
        ScriptRuntime runtime = LocalRuntime.of(segment, docroot, CachePolicy.singleRun());
        // Scripts run on the test's thread: an EmbeddedChannel's loop is not for other threads.
        executor = new RequestExecutor(new ScriptRunner(runtime, false), ImmediateEventExecutor.INSTANCE);
    }

    @AfterEach
    void stop() throws Exception {
        executor.close();
        segment.close();
    }

    private InFlightRequests inFlight;

    private EmbeddedChannel channel(LongSupplier statGeneration) throws Exception {
        return channel(statGeneration, false);
    }

    private EmbeddedChannel channel(LongSupplier statGeneration, boolean accessLog) throws Exception {
        DocumentRoot documentRoot = new DocumentRoot(docroot, 120, 1 << 20, statGeneration);
        inFlight = new InFlightRequests(0, System::nanoTime);
        ServedRequests served = new ServedRequests(0);
        ReportPipe reports = new ReportPipe(new SupervisorLine(reportPipe));
        WorkerRetirement retirement = new WorkerRetirement(reports, inFlight, served, 1000, code -> exitCode[0] = code);
        WorkerContext worker = new WorkerContext(documentRoot, executor, inFlight, served, retirement, reports, "4242",
                accessLog ? AccessLog.toLogger("worker-1", ZoneOffset.UTC, System::currentTimeMillis) : AccessLog.OFF);
        return new EmbeddedChannel(new WorkerChannelInitializer(worker, 1024).handlers());
    }

    private EmbeddedChannel channel() throws Exception {
        return channel(() -> 0);
    }

    /** Everything the channel wrote, as text. */
    private static String written(EmbeddedChannel channel) {
        StringBuilder out = new StringBuilder();
        for (ByteBuf buf; (buf = channel.readOutbound()) != null; ) {
            out.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }
        return out.toString();
    }

    private static void send(EmbeddedChannel channel, String text) {
        channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
        channel.runPendingTasks();
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }

    @Test
    void malformedPercentEncodingIs400AndThePipelineGoesOn() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        root.addAppender(log);
        EmbeddedChannel channel = channel();
        send(channel, "GET /missing.java HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /other.java HTTP/1.1\r\nHost: x\r\n\r\n");
        String out = written(channel);
        assertThat(out).startsWith("HTTP/1.1 404 ");
        assertThat(out.indexOf("HTTP/1.1 400 Bad Request")).isGreaterThan(0);
        assertThat(out.lastIndexOf("HTTP/1.1 404 ")).isGreaterThan(out.indexOf("HTTP/1.1 400 "));
        assertThat(channel.isOpen()).isTrue();
        channel.finishAndReleaseAll();
        root.detachAppender(log);
        assertThat(log.list).as("no stack trace logged").allMatch(event -> event.getThrowableProxy() == null);
    }

    @Test
    void moreThan128PipelinedRequestsAreAllAnswered() throws Exception {
        EmbeddedChannel channel = channel();
        send(channel, "GET /missing.java HTTP/1.1\r\nHost: x\r\n\r\n".repeat(300));
        for (int round = 0; round < 10; round++) {
            channel.runPendingTasks();
        }
        String out = written(channel);
        assertThat(count(out, "HTTP/1.1 404 ")).isEqualTo(300);
        assertThat(channel.isOpen()).isTrue();
        channel.finishAndReleaseAll();
    }

    @Test
    void readsPauseWhileTheClientDoesNotReadAndResumeOnceItDoes() throws Exception {
        EmbeddedChannel channel = channel();
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1, 2));
        channel.unsafe().outboundBuffer().addMessage(Unpooled.wrappedBuffer(new byte[16]), 16, channel.newPromise());
        channel.runPendingTasks();
        assertThat(channel.isWritable()).isFalse();
        assertThat(channel.config().isAutoRead()).as("reading while answers do not drain").isFalse();
        channel.flush();
        channel.runPendingTasks();
        assertThat(channel.isWritable()).isTrue();
        assertThat(channel.config().isAutoRead()).isTrue();
        channel.finishAndReleaseAll();
    }

    @Test
    void aConnectionIdleForTheIdleTimeIsClosedAndSoIsOneWhoseClientStoppedReading() throws Exception {
        EmbeddedChannel idle = channel();
        idle.freezeTime();
        send(idle, "GET /missing.java HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(written(idle)).startsWith("HTTP/1.1 404 ");
        idle.advanceTimeBy(WorkerChannelInitializer.IDLE_SECONDS - 1, TimeUnit.SECONDS);
        idle.runScheduledPendingTasks();
        assertThat(idle.isOpen()).as("idle for less than the idle time").isTrue();
        idle.advanceTimeBy(2, TimeUnit.SECONDS);
        idle.runScheduledPendingTasks();
        assertThat(idle.isOpen()).as("idle for longer").isFalse();

        // A client that never reads: the answer stays queued and no byte moves either way.
        EmbeddedChannel stuck = channel();
        stuck.freezeTime();
        stuck.unsafe().outboundBuffer().addMessage(Unpooled.wrappedBuffer(new byte[16]), 16, stuck.newPromise());
        stuck.runPendingTasks();
        stuck.advanceTimeBy(WorkerChannelInitializer.IDLE_SECONDS + 1, TimeUnit.SECONDS);
        stuck.runScheduledPendingTasks();
        assertThat(stuck.isOpen()).as("an answer that never drains does not hold the connection").isFalse();
        idle.finishAndReleaseAll();
        stuck.finishAndReleaseAll();
    }

    @Test
    void tooLongRequestLineIs414AndTooLargeHeadersAre431() throws Exception {
        EmbeddedChannel longLine = channel();
        send(longLine, "GET /" + "a".repeat(WorkerChannelInitializer.MAX_REQUEST_LINE) + " HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(written(longLine)).startsWith("HTTP/1.1 414 ");
        longLine.finishAndReleaseAll();

        EmbeddedChannel bigHeaders = channel();
        send(bigHeaders, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(WorkerChannelInitializer.MAX_HEADER_SIZE)
                + "\r\n\r\n");
        assertThat(written(bigHeaders)).startsWith("HTTP/1.1 431 ");
        bigHeaders.finishAndReleaseAll();
    }

    @Test
    void requestBodiesOverPostMaxSizeAre413() throws Exception {
        EmbeddedChannel channel = channel();
        send(channel, "POST /hello.java HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n");
        assertThat(written(channel)).startsWith("HTTP/1.1 413 ");
        channel.finishAndReleaseAll();
    }

    @Test
    void pathsOutsideTheDocrootAndMissingFilesAre404() throws Exception {
        Scripts.text(docroot, "hello", "hello");
        Files.writeString(dir.resolve("secret.java"), "secret");
        Files.createSymbolicLink(docroot.resolve("escape.java"), dir.resolve("secret.java"));
        Files.createSymbolicLink(docroot.resolve("outside"), dir);
        for (String path : new String[] {"/../secret.java", "/%2e%2e/secret.java", "/sub/../../secret.java",
                "/%2E%2E%2Fsecret.java", "/escape.java", "/outside/secret.java", "/missing.java", "/hello",
                "/hello.java%00"}) {
            EmbeddedChannel channel = channel();
            send(channel, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat(written(channel)).as(path).startsWith("HTTP/1.1 404 ").doesNotContain("secret\n");
            assertThat(channel.isOpen()).as("closed as asked").isFalse();
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void aFaultedSegmentIs503AndIsReportedOnceWithoutClosingTheLoop() throws Exception {
        boolean[] truncated = {false};
        EmbeddedChannel channel = channel(() -> {
            if (truncated[0]) {
                throw new InternalError("a fault occurred in an unsafe memory access operation");
            }
            return 0;
        });
        truncated[0] = true;
        send(channel, "GET /a.java HTTP/1.1\r\nHost: x\r\n\r\nGET /b.java HTTP/1.1\r\nHost: x\r\n\r\n");
        String out = written(channel);
        assertThat(count(out, "HTTP/1.1 503 ")).isEqualTo(2);
        assertThat(channel.isOpen()).isTrue();
        assertThat(reportPipe.toString(StandardCharsets.US_ASCII)).isEqualTo("segment-lost\n");
        channel.finishAndReleaseAll();
    }

    @Test
    void theSegmentsLostExceptionIs503AndIsReported() throws Exception {
        // A read that checks the file first: it throws SegmentLostException itself, where a fault
        // on the mapping in JIT-compiled code (statGeneration's) surfaces as the JVM's InternalError.
        EmbeddedChannel channel = channel(() -> segment.statistics().generation());
        try (FileChannel file = FileChannel.open(segment.path(), StandardOpenOption.WRITE)) {
            file.truncate(0);
        }
        send(channel, "GET /a.java HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(written(channel)).startsWith("HTTP/1.1 503 ");
        assertThat(channel.isOpen()).isTrue();
        assertThat(reportPipe.toString(StandardCharsets.US_ASCII)).isEqualTo("segment-lost\n");
        channel.finishAndReleaseAll();
    }

    @Test
    void aMappingFaultReportedLateIsReportedAsALostSegmentNotAsAnUnfitWorker() throws Exception {
        EmbeddedChannel channel = channel();
        channel.pipeline().fireExceptionCaught(
                new InternalError("a fault occurred in a recent unsafe memory access operation in compiled Java code"));
        assertThat(reportPipe.toString(StandardCharsets.US_ASCII)).as("no retiring line").isEqualTo("segment-lost\n");
        channel.finishAndReleaseAll();
    }

    @Test
    void aHeaderHttpRefusesIs500AndTheConnectionGoesOn() throws Exception {
        Scripts.write(docroot, "badname", "response.header(\"a(b\", \"x\");");
        Scripts.write(docroot, "badvalue", "response.header(\"X-Ok\", \"a\\u000bb\");");
        Scripts.text(docroot, "hello", "hello");
        EmbeddedChannel channel = channel();
        send(channel, "GET /badname.java HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /badvalue.java HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /hello.java HTTP/1.1\r\nHost: x\r\n\r\n");
        String out = written(channel);
        assertThat(count(out, "HTTP/1.1 500 ")).as(out).isEqualTo(2);
        assertThat(out).endsWith("hello");
        assertThat(inFlight.count()).as("every request finished").isZero();
        assertThat(channel.isOpen()).isTrue();
        channel.finishAndReleaseAll();
    }

    /** An appender that fails like a full heap, once. */
    private static final class FailingAppender extends AppenderBase<ILoggingEvent> {
        private boolean failed;

        @Override
        protected void append(ILoggingEvent event) {
            if (!failed) {
                failed = true;
                throw new OutOfMemoryError("Java heap space (from the test)");
            }
        }
    }

    @Test
    void anAnswerThatFailsToGoOutIs500AndAnOutOfMemoryErrorThereRetiresTheWorker() throws Exception {
        Scripts.text(docroot, "hello", "hello");
        Logger access = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
        FailingAppender failing = new FailingAppender();
        failing.start();
        access.addAppender(failing);
        try {
            EmbeddedChannel channel = channel(() -> 0, true);
            send(channel, "GET /hello.java HTTP/1.1\r\nHost: x\r\n\r\n");
            String out = written(channel);
            assertThat(out).startsWith("HTTP/1.1 500 ").contains("connection: close");
            assertThat(channel.isOpen()).isFalse();
            assertThat(inFlight.count()).as("the request finished").isZero();
            assertThat(reportPipe.toString(StandardCharsets.US_ASCII)).isEqualTo("retiring OutOfMemoryError\n");
            channel.finishAndReleaseAll();
        } finally {
            access.detachAppender(failing);
        }
    }

    @Test
    void aPipelined413WaitsForTheAnswersBeforeIt() throws Exception {
        Scripts.text(docroot, "hello", "hello");
        EmbeddedChannel channel = channel();
        send(channel, "GET /hello.java HTTP/1.1\r\nHost: x\r\n\r\n"
                + "POST /hello.java HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n");
        String out = written(channel);
        assertThat(out).startsWith("HTTP/1.1 200 ");
        assertThat(out.indexOf("HTTP/1.1 413 ")).as(out).isGreaterThan(out.indexOf("hello"));
        assertThat(count(out, "HTTP/1.1 ")).isEqualTo(2);
        assertThat(channel.isOpen()).as("closed after the 413").isFalse();
        channel.finishAndReleaseAll();
    }

    @Test
    void noContinueOvertakesTheAnswersBeforeIt() throws Exception {
        Scripts.text(docroot, "hello", "hello");
        EmbeddedChannel channel = channel();
        send(channel, "GET /hello.java HTTP/1.1\r\nHost: x\r\n\r\n"
                + "POST /hello.java HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
        String out = written(channel);
        assertThat(out).startsWith("HTTP/1.1 200 ").doesNotContain("100 Continue");
        send(channel, "abcde");
        assertThat(written(channel)).startsWith("HTTP/1.1 200 ");
        assertThat(channel.isOpen()).isTrue();
        channel.finishAndReleaseAll();
    }

    @Test
    void malformedPercentEncodingInTheQueryIs400() throws Exception {
        Scripts.write(docroot, "params", "response.write(String.valueOf(request.params()));");
        EmbeddedChannel channel = channel();
        send(channel, "GET /params.java?x=%zz HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /params.java?x=%4 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /params.java?x=%41 HTTP/1.1\r\nHost: x\r\n\r\n");
        String out = written(channel);
        assertThat(count(out, "HTTP/1.1 400 ")).as(out).isEqualTo(2);
        assertThat(out).endsWith("{x=[A]}");
        assertThat(channel.isOpen()).isTrue();
        channel.finishAndReleaseAll();
    }
}
