package dev.opcached.daemon.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.control.SupervisorLine;
import dev.opcached.daemon.control.WorkerReport;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.EventExecutor;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The heartbeat stops for a loop wedged outside a script, and goes on for a loop inside one. */
class HeartbeatTest {
    private final DefaultEventLoop acceptor = new DefaultEventLoop();
    private final DefaultEventLoop[] loops = {new DefaultEventLoop(), new DefaultEventLoop()};
    private final ByteArrayOutputStream pipe = new ByteArrayOutputStream();
    private final CountDownLatch unwedge = new CountDownLatch(1);

    @AfterEach
    void stop() {
        unwedge.countDown();
        acceptor.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        for (DefaultEventLoop loop : loops) {
            loop.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    private int beats() {
        String sent = pipe.toString(StandardCharsets.UTF_8);
        return sent.isEmpty() ? 0 : (int) sent.lines().filter("alive"::equals).count();
    }

    private void awaitBeats(int atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (beats() < atLeast) {
            assertThat(System.nanoTime() - deadline).as("alive %d times", atLeast).isNegative();
            Thread.sleep(10);
        }
    }

    @Test
    void aWedgedLoopStopsTheHeartbeatAndOneInsideAScriptDoesNot() throws Exception {
        LoopLoads loads = new LoopLoads();
        loads.newChooser(new EventExecutor[] {loops[0], loops[1]}).next();
        LoopLoads.Load first = loads.of(loops[0]);
        new Heartbeat(acceptor, loads, new ReportPipe(new SupervisorLine(pipe))).start();
        awaitBeats(2);

        loops[0].execute(() -> {
            try {
                unwedge.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        // At most one beat may have been under way; then none for three periods.
        Thread.sleep(WorkerReport.HEARTBEAT_MILLIS);
        int wedged = beats();
        Thread.sleep(3 * WorkerReport.HEARTBEAT_MILLIS);
        assertThat(beats()).as("no alive while a loop is wedged outside a script").isEqualTo(wedged);

        // The same loop, now counted as inside a script for its one connection: busy, not wedged.
        EmbeddedChannel connection = new EmbeddedChannel();
        assertThat(first.scriptStarting(connection)).isTrue();
        awaitBeats(wedged + 2);
        first.scriptEnded();
        unwedge.countDown();
        int after = beats();
        awaitBeats(after + 2);
        connection.finishAndReleaseAll();
    }
}
