package dev.opcached.daemon.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.opcached.daemon.config.Directives;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The compiler's slot supervising real child JVMs ({@link FakeWorker}s speaking the report
 * protocol, started through the real launcher): restarts with the exit status, backoff, heartbeat
 * loss, stop. The real compiler's restart is in CompilerRestartTest.
 */
class CompilerSlotTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private Path script;
    private ScheduledExecutorService scheduler;
    private CompilerSlot slot;
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeEach
    void setUp() {
        script = dir.resolve("behaviour");
        scheduler = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("test-supervision", true));
        log.start();
        ((Logger) LoggerFactory.getLogger(CompilerSlot.class)).addAppender(log);
    }

    @AfterEach
    void tearDown() throws Exception {
        ((Logger) LoggerFactory.getLogger(CompilerSlot.class)).detachAppender(log);
        if (slot != null) {
            slot.stop();
            slot.awaitStopped(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
        }
        scheduler.shutdownNow();
    }

    private CompilerSlot slot(String behaviour, long heartbeatTimeoutMillis) throws Exception {
        Files.writeString(script, behaviour);
        CompilerLauncher launcher = new CompilerLauncher(() -> script, dir.resolve("socket"), Directives.defaults(),
                FakeWorker.class.getName());
        slot = new CompilerSlot(launcher, scheduler, heartbeatTimeoutMillis);
        slot.start();
        return slot;
    }

    /** Whether the slot logged {@code text}: read under the appender's lock, which the slot's threads append under. */
    private boolean logged(String text) {
        synchronized (log) {
            return log.list.stream().anyMatch(event -> event.getFormattedMessage().contains(text));
        }
    }

    private static void await(String what, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new TimeoutException("not within " + DEADLINE + ": " + what);
            }
            Thread.sleep(10);
        }
    }

    private static boolean gone(long pid) {
        return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
    }

    @Test
    void aCompilerThatDiesIsRestartedAndItsExitStatusLogged() throws Exception {
        CompilerSlot slot = slot("crash-after-ready", 0);
        await("a first compiler died", () -> logged("died with exit code 1 after"));
        await("it was restarted", () -> slot.restarts() >= 1);
        assertThat(logged("; restarting it")).isTrue();
    }

    @Test
    void aCompilerThatKeepsDyingBeforeReadyIsRestartedWithBackoff() throws Exception {
        slot("crash-before-ready", 0);
        await("a restart that waits", () -> logged("restarting it in 200 ms (death 2 in a row before ready)"));
    }

    @Test
    void aCompilerThatStopsHeartbeatingIsKilledAndRestarted() throws Exception {
        CompilerSlot slot = slot("healthy", 1_000);
        assertThat(slot.awaitReady(System.nanoTime() + DEADLINE.toNanos())).isTrue();
        long stopped = slot.pid();
        assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(stopped)).start().waitFor()).isZero();
        await("the stopped compiler is killed", () -> gone(stopped));
        await("a new compiler runs", () -> slot.pid() != -1 && slot.pid() != stopped);
        assertThat(logged("compiler (pid " + stopped + ") sent no heartbeat")).isTrue();
        assertThat(slot.awaitReady(System.nanoTime() + DEADLINE.toNanos())).isTrue();
    }

    @Test
    void stopEndsTheCompilerForGood() throws Exception {
        CompilerSlot slot = slot("healthy", 0);
        assertThat(slot.awaitReady(System.nanoTime() + DEADLINE.toNanos())).isTrue();
        long pid = slot.pid();
        slot.stop();
        slot.awaitStopped(System.nanoTime() + DEADLINE.toNanos());
        assertThat(gone(pid)).isTrue();
        assertThat(slot.pid()).isEqualTo(-1);
        assertThat(slot.restarts()).isZero();
    }
}
