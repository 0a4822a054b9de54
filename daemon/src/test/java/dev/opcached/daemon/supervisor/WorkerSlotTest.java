package dev.opcached.daemon.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.opcached.daemon.config.Directives;
import dev.opcached.protocol.admin.StatusResponse;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
 * A slot's supervision of real child JVMs ({@link FakeWorker}s speaking the report protocol),
 * started through the real launcher: replacement before retirement, heartbeat loss, crashes.
 */
class WorkerSlotTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private Path script;
    private ScheduledExecutorService scheduler;
    private WorkerSlot slot;
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeEach
    void setUp() throws Exception {
        script = dir.resolve("behaviour");
        scheduler = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("test-supervision", true));
        log.start();
        ((Logger) LoggerFactory.getLogger(WorkerSlot.class)).addAppender(log);
    }

    @AfterEach
    void tearDown() throws Exception {
        ((Logger) LoggerFactory.getLogger(WorkerSlot.class)).detachAppender(log);
        if (slot != null) {
            slot.stop();
            slot.awaitStopped(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
        }
        scheduler.shutdownNow();
    }

    private WorkerSlot slot(String behaviour, long heartbeatTimeoutMillis) throws Exception {
        Files.writeString(script, behaviour);
        WorkerLauncher launcher = new WorkerLauncher(() -> script, dir.resolve("compiler.sock"), Directives.defaults(),
                FakeWorker.class.getName(), WorkerUser.of(Directives.defaults()),
                new WorkerClassArchive(dir.resolve("worker-cds"), "test", false));
        slot = new WorkerSlot("worker-1", launcher, scheduler, new WorkerRestarts(), heartbeatTimeoutMillis, 10_000);
        slot.start();
        return slot;
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

    /** What the slot logged so far: copied under the appender's lock, which the slot's threads append under. */
    private List<String> logged() {
        synchronized (log) {
            return log.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    private List<String> events() throws Exception {
        Path file = Path.of(script + ".log");
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    private static boolean gone(long pid) {
        return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
    }

    @Test
    void retiringWorkerServesUntilItsReplacementIsReadyThenStops() throws Exception {
        WorkerSlot slot = slot("retire-once", 0);
        assertThat(slot.awaitServing(System.nanoTime() + DEADLINE.toNanos())).isTrue();
        long first = slot.pid();
        await("a replacement of the retiring worker serves", () -> slot.pid() != first && slot.pid() != -1);
        long second = slot.pid();
        await("the retired worker exits", () -> gone(first));
        // The retiring worker was asked to stop only once its replacement said ready.
        await("the retired worker logged its SIGTERM", () -> {
            try {
                return events().contains(first + " term");
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(events()).containsSubsequence(first + " ready", second + " ready", first + " term");
        // the slot forgets the retired worker in its exit callback, which may run after the process is gone
        await("the retired worker leaves the slot's status", () -> slot.status().size() == 1);
        assertThat(slot.status()).extracting(StatusResponse.WorkerStatus::pid).containsExactly(second);
        // Both workers' figures, each once: the retired one's kept after its exit, never counted twice.
        await("both workers' figures count", () -> slot.figures().counter("requests") == 2 * FakeWorker.FIGURES_REQUESTS);
        assertThat(slot.status()).extracting(StatusResponse.WorkerStatus::requests).containsExactly(FakeWorker.FIGURES_REQUESTS);
        assertThat(slot.serving()).isTrue();
    }

    @Test
    void workerThatStopsHeartbeatingIsKilledAndReplaced() throws Exception {
        WorkerSlot slot = slot("healthy", 1_000);
        assertThat(slot.awaitServing(System.nanoTime() + DEADLINE.toNanos())).isTrue();
        long stopped = slot.pid();
        assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(stopped)).start().waitFor()).isZero();
        await("the stopped worker is replaced", () -> slot.pid() != stopped && slot.pid() != -1);
        await("the stopped worker is killed", () -> gone(stopped));
        assertThat(slot.awaitServing(System.nanoTime() + DEADLINE.toNanos())).isTrue();
        assertThat(logged()).anyMatch(line -> line.contains("(pid " + stopped + ") sent no heartbeat"));
        // the slot forgets the killed worker in its exit callback, which may run after the process is gone
        await("the killed worker leaves the slot's status", () -> slot.status().size() == 1);
        assertThat(slot.status()).singleElement().satisfies(status -> {
            assertThat(status.state()).isEqualTo("serving");
            assertThat(status.lastHeartbeat()).isPositive();
        });
    }

    @Test
    void servingWorkerThatCrashesIsReplacedWithoutBackoffButOneThatNeverServesBacksOff() throws Exception {
        WorkerSlot slot = slot("crash-after-ready", 0);
        await("five serving workers crashed", () -> {
            try {
                return events().stream().filter(line -> line.endsWith(" ready")).count() >= 5;
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(logged()).noneMatch(line -> line.contains(" restarts in "));

        Files.writeString(script, "crash-before-ready");
        await("crashes before ready back off", () -> logged().stream().anyMatch(line -> line.contains(" restarts in ")));
        // Every crashed worker's figures count once, though each process ended while the slot read its pipe.
        await("the slot's figures are each ready worker's, once", () -> {
            try {
                long readies = events().stream().filter(line -> line.endsWith(" ready")).count();
                return slot.figures().counter("requests") == readies * FakeWorker.FIGURES_REQUESTS;
            } catch (Exception e) {
                return false;
            }
        });
    }
}
