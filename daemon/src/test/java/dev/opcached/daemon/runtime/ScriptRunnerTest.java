package dev.opcached.daemon.runtime;

import dev.opcached.daemon.testing.LocalRuntime;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.opcached.daemon.testing.GetRequest;
import dev.opcached.daemon.testing.Scripts;
import dev.opcached.protocol.segment.EpochClock;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentConfig;
import dev.opcached.protocol.segment.SegmentLostException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Whatever a script throws or writes, the runner answers; it says when the worker cannot go on. */
class ScriptRunnerTest {
    @TempDir
    Path dir;
    private Path docroot;
    private Segment segment;
    private ScriptRunner runner;

    @BeforeEach
    void start() throws Exception {
        docroot = Files.createDirectories(dir.resolve("www"));
        segment = Segment.create(dir.resolve("test.seg"), new SegmentConfig(16 << 20, 200, 5));
        ScriptRuntime runtime = LocalRuntime.of(segment, docroot, CachePolicy.singleRun());
        runner = new ScriptRunner(runtime, true, 1 << 20);
    }

    @AfterEach
    void stop() throws Exception {
        segment.close();
    }

    private ScriptOutcome run(String name, String code) throws Exception {
        Path file = Scripts.write(docroot, name, code).toRealPath();
        return runner.run(file, new GetRequest("/" + name + ".java"), () -> { });
    }

    private static String body(ScriptOutcome outcome) {
        return new String(outcome.response().body(), StandardCharsets.UTF_8);
    }

    @Test
    void anErrorAScriptThrowsIsA500AndTheWorkerGoesOn() throws Exception {
        ScriptOutcome outcome = run("internal", "throw new InternalError(\"thrown by the script\");");
        assertThat(outcome.response().status()).isEqualTo(500);
        assertThat(body(outcome)).contains("InternalError: thrown by the script");
        assertThat(outcome.fault()).isEqualTo(ScriptOutcome.Fault.NONE);

        ScriptOutcome deep = run("deep", "handle(request, response);");
        assertThat(deep.response().status()).isEqualTo(500);
        assertThat(deep.fault()).as("a stack overflow unwinds").isEqualTo(ScriptOutcome.Fault.NONE);
    }

    @Test
    void aTruncatedSegmentIsA503ThatSaysTheSegmentIsLost() throws Exception {
        Path file = Scripts.write(docroot, "hello", "response.write(\"hello\");").toRealPath();
        try (FileChannel channel = FileChannel.open(segment.path(), StandardOpenOption.WRITE)) {
            channel.truncate(0);
        }
        ScriptOutcome outcome = runner.run(file, new GetRequest("/hello.java"), () -> { });
        assertThat(outcome.response().status()).isEqualTo(503);
        assertThat(outcome.fault()).isEqualTo(ScriptOutcome.Fault.SEGMENT_LOST);
        assertThat(outcome.cause()).isInstanceOf(SegmentLostException.class);
    }

    @Test
    void anOutOfMemoryErrorIsA500AndTheWorkerMustRetire() throws Exception {
        // 16 GiB at once: more than any test heap, refused without filling it first.
        ScriptOutcome outcome = run("hog", "response.write(\"\" + new long[Integer.MAX_VALUE - 16].length);");
        assertThat(outcome.response().status()).isEqualTo(500);
        assertThat(outcome.fault()).isEqualTo(ScriptOutcome.Fault.WORKER_UNFIT);
        assertThat(outcome.cause()).isInstanceOf(OutOfMemoryError.class);
    }

    @Test
    void aResponseOverMaxResponseSizeIsA500EvenWhenTheScriptCatchesTheRefusal() throws Exception {
        ScriptOutcome outcome = run("big", "try { for (int i = 0; i < 300; i++) { response.write(new byte[4096]); } }"
                + " catch (RuntimeException refused) { response.write(\"caught\"); }");
        assertThat(outcome.response().status()).isEqualTo(500);
        assertThat(body(outcome)).contains("opcached.max_response_size=1048576");
        assertThat(run("fits", "response.write(new byte[1 << 19]);").response().status()).isEqualTo(200);
    }

    @Test
    void theScriptStartsOnlyOnceCompiled() throws Exception {
        Path file = Scripts.write(docroot, "started", "response.write(\"ran\");").toRealPath();
        AtomicInteger starts = new AtomicInteger();
        long[] startedAt = {0};
        long before = System.nanoTime();
        ScriptOutcome outcome = runner.run(file, new GetRequest("/started.java"), () -> {
            starts.incrementAndGet();
            startedAt[0] = System.nanoTime();
        });
        assertThat(body(outcome)).isEqualTo("ran");
        assertThat(starts).hasValue(1);
        assertThat(segment.statistics().compiles()).as("compiled before it started").isEqualTo(1);
        assertThat(startedAt[0]).isGreaterThan(before);
        Path broken = Scripts.write(docroot, "broken", "response.write(undefined);").toRealPath();
        runner.run(broken, new GetRequest("/broken.java"), starts::incrementAndGet);
        assertThat(starts).as("a script that does not compile never starts").hasValue(1);
    }

    @Test
    void theClockStartsBeforeTheStaticInitialisersAndTheConstructor() throws Exception {
        // What the script's own code saw of the callback: a loop there must be inside the timeout.
        String property = "opcached.test.started." + System.nanoTime();
        Path file = Files.writeString(docroot.resolve("early.java"), """
                import dev.opcached.script.*;
                public class early implements Script {
                    static final String IN_STATIC = System.getProperty("%1$s");
                    private final String inConstructor = System.getProperty("%1$s");
                    public void handle(Request request, Response response) {
                        response.write(IN_STATIC + " " + inConstructor);
                    }
                }
                """.formatted(property)).toRealPath();
        try {
            ScriptOutcome outcome = runner.run(file, new GetRequest("/early.java"), () -> System.setProperty(property, "started"));
            assertThat(body(outcome)).isEqualTo("started started");
        } finally {
            System.clearProperty(property);
        }
    }

    @Test
    void whatAConstructorThrowsIsA500AndAnOutOfMemoryErrorThereRetiresTheWorker() throws Exception {
        Path file = Files.writeString(docroot.resolve("hungry.java"), """
                import dev.opcached.script.*;
                public class hungry implements Script {
                    private final long[] table = new long[Integer.MAX_VALUE - 16];
                    public void handle(Request request, Response response) {
                        response.write("" + table.length);
                    }
                }
                """).toRealPath();
        AtomicInteger starts = new AtomicInteger();
        ScriptOutcome outcome = runner.run(file, new GetRequest("/hungry.java"), starts::incrementAndGet);
        assertThat(outcome.response().status()).isEqualTo(500);
        assertThat(outcome.fault()).isEqualTo(ScriptOutcome.Fault.WORKER_UNFIT);
        assertThat(starts).hasValue(1);
    }

    @Test
    void aScriptReachesNothingOfTheWorkerThroughTheContextClassLoader() throws Exception {
        ClassLoader workers = Thread.currentThread().getContextClassLoader();
        ScriptOutcome outcome = run("internals", "Thread.currentThread().getContextClassLoader()"
                + ".loadClass(\"dev.opcached.protocol.segment.Segment\"); response.write(\"reached\");");
        assertThat(outcome.response().status()).isEqualTo(500);
        assertThat(body(outcome)).contains("ClassNotFoundException: dev.opcached.protocol.segment.Segment")
                .doesNotContain("reached");
        assertThat(Thread.currentThread().getContextClassLoader()).as("put back after a failure").isSameAs(workers);

        ScriptOutcome own = run("own", "response.write(String.valueOf(Thread.currentThread().getContextClassLoader()"
                + " == getClass().getClassLoader())); Thread.currentThread().setContextClassLoader(null);");
        assertThat(body(own)).isEqualTo("true");
        assertThat(Thread.currentThread().getContextClassLoader()).as("put back whatever the script set")
                .isSameAs(workers);
    }

    @Test
    void aScriptsStaticInitialisersRunUnderItsOwnContextClassLoader() throws Exception {
        Path file = Files.writeString(docroot.resolve("init.java"), """
                import dev.opcached.script.*;
                public class init implements Script {
                    static final ClassLoader AT_INIT = Thread.currentThread().getContextClassLoader();
                    public void handle(Request request, Response response) {
                        response.write(String.valueOf(AT_INIT == init.class.getClassLoader()));
                    }
                }
                """).toRealPath();
        assertThat(body(runner.run(file, new GetRequest("/init.java"), () -> { }))).isEqualTo("true");
    }

    @Test
    void theRequestPathIsEscapedInTheRunnersLogLines() throws Exception {
        Path broken = Scripts.write(docroot, "broken", "response.write(undefined);").toRealPath();
        Path thrower = Scripts.write(docroot, "thrower", "throw new IllegalStateException(\"no\");").toRealPath();
        Logger logger = (Logger) LoggerFactory.getLogger(ScriptRunner.class);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        logger.addAppender(log);
        try {
            runner.run(broken, new GetRequest("/x\nforged.java"), () -> { });
            runner.run(thrower, new GetRequest("/y\rforged.java"), () -> { });
        } finally {
            logger.detachAppender(log);
        }
        assertThat(log.list).hasSize(2).extracting(ILoggingEvent::getFormattedMessage)
                .allSatisfy(line -> assertThat(line).doesNotContain("\n", "\r"))
                .satisfiesExactly(first -> assertThat(first).startsWith("GET /x\\nforged.java: "),
                        second -> assertThat(second).startsWith("GET /y\\rforged.java: script " + thrower + " threw"));
    }
}
