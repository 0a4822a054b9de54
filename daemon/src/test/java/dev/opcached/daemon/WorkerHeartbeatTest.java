package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.Conditions;
import dev.opcached.daemon.testing.PoolMetrics;
import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.PoolStatus;
import dev.opcached.daemon.testing.Scripts;
import dev.opcached.protocol.admin.StatusResponse;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A stopped worker (kill -STOP) no longer keeps its share of new connections: it is noticed, killed and replaced. */
class WorkerHeartbeatTest {
    @TempDir
    Path dir;

    @Test
    void stoppedWorkerIsKilledAndReplacedAndEveryNewConnectionIsAnswered() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Scripts.text(docroot, "hello", "hello");
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "heartbeat", 2,
                "opcached.worker_heartbeat_timeout=2")) {
            pool.supervisor().awaitLine("(?s)(\\(pid \\d+\\) ready.*){2}", Duration.ofSeconds(60));
            List<StatusResponse.WorkerStatus> before = PoolStatus.of(pool).workers();
            assertThat(before).extracting(StatusResponse.WorkerStatus::state).containsOnly("serving");
            long stopped = before.get(0).pid();
            assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(stopped)).start().waitFor()).isZero();

            // Until the supervisor has noticed, /status still says serving (the timeout is the point);
            // once it has logged the kill, /status must never call the stopped worker serving again:
            // it is unresponsive while it is being killed, then gone, its slot's first entry another pid.
            Pattern noticed = Pattern.compile("\\(pid " + stopped + "\\) sent no heartbeat for \\d+ ms");
            List<String> shownAfterTheKill = new ArrayList<>();
            Conditions.await("the stopped worker is noticed, killed and gone from /status", () -> {
                // The line first: one already written means the kill is done when /status is asked.
                if (!noticed.matcher(pool.supervisor().output()).find()) {
                    return false;
                }
                List<StatusResponse.WorkerStatus> slot = status(pool).stream()
                        .filter(worker -> worker.name().equals(before.get(0).name())).toList();
                assertThat(slot.get(0).pid()).as("the slot's accepting worker once the stopped one is killed: " + slot)
                        .isNotEqualTo(stopped);
                List<StatusResponse.WorkerStatus> it = slot.stream().filter(worker -> worker.pid() == stopped).toList();
                it.forEach(worker -> shownAfterTheKill.add(worker.state()));
                return it.isEmpty() && !ProcessHandle.of(stopped).map(ProcessHandle::isAlive).orElse(false);
            });
            assertThat(shownAfterTheKill).as("states /status gave the stopped worker after the kill").doesNotContain("serving");
            assertThat(PoolMetrics.scrape(pool)).containsPattern("(?m)^opcached_worker_restarts_total\\{[^}]*cause=\"unresponsive\"[^}]*} 1(\\.0)?$");
            // Every new connection now reaches a worker that answers (the client's timeout is 60 s).
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> response = pool.get("/hello.java");
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.headers().firstValue("X-Opcached-Worker"))
                        .hasValueSatisfying(pid -> assertThat(pid).isNotEqualTo(Long.toString(stopped)));
            }
            List<StatusResponse.WorkerStatus> after = PoolStatus.of(pool).workers();
            assertThat(after).extracting(StatusResponse.WorkerStatus::pid).doesNotContain(stopped).hasSize(2);
            assertThat(after).filteredOn(worker -> worker.name().equals(before.get(0).name())).singleElement()
                    .satisfies(worker -> assertThat(worker.restarts()).isEqualTo(1));
        }
    }

    private static List<StatusResponse.WorkerStatus> status(PoolProcess pool) {
        try {
            return PoolStatus.of(pool).workers();
        } catch (Exception e) {
            throw new IllegalStateException("/status could not be read", e);
        }
    }

    @Test
    void pausedSupervisorDoesNotTakeItsWorkersForSilent() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "paused", 2,
                "opcached.worker_heartbeat_timeout=1")) {
            pool.supervisor().awaitLine("(?s)(\\(pid \\d+\\) ready.*){2}", Duration.ofSeconds(60));
            List<Long> workers = PoolStatus.of(pool).workers().stream().map(StatusResponse.WorkerStatus::pid).toList();
            String supervisor = Long.toString(pool.supervisor().pid());
            assertThat(new ProcessBuilder("kill", "-STOP", supervisor).start().waitFor()).isZero();
            // The pause is the point: three heartbeat timeouts during which nobody reads the pipes.
            Thread.sleep(3_000);
            long resumed = System.currentTimeMillis() / 1000;
            assertThat(new ProcessBuilder("kill", "-CONT", supervisor).start().waitFor()).isZero();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            List<StatusResponse.WorkerStatus> after = PoolStatus.of(pool).workers();
            while (after.stream().anyMatch(worker -> worker.lastHeartbeat() <= resumed)) {
                assertThat(System.nanoTime() - deadline).as("heartbeats after the pause: " + after).isNegative();
                Thread.sleep(100);
                after = PoolStatus.of(pool).workers();
            }
            assertThat(after).extracting(StatusResponse.WorkerStatus::pid).containsExactlyElementsOf(workers);
            assertThat(pool.supervisor().output()).doesNotContain("sent no heartbeat");
        }
    }
}
