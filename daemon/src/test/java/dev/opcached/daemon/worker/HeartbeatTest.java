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
import java.util.concurrent.TimeUnit;
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
        acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        for (DefaultEventLoop loop : loops) {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
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

    /** Returns once the beat now scheduled on the accepting loop (due within a period) has run. */
    private void afterNextBeat() throws InterruptedException {
        assertThat(acceptor.schedule(() -> { }, WorkerReport.HEARTBEAT_MILLIS + 1, TimeUnit.MILLISECONDS)
                .await(30, TimeUnit.SECONDS)).as("the accepting loop ran a period on").isTrue();
    }

    @Test
    void aWedgedLoopStopsTheHeartbeatAndOneInsideAScriptDoesNot() throws Exception {
        LoopLoads loads = new LoopLoads();
        loads.newChooser(new EventExecutor[] {loops[0], loops[1]}).next();
        LoopLoads.Load first = loads.of(loops[0]);
        new Heartbeat(acceptor, loads, new ReportPipe(new SupervisorLine(pipe))).start();
        awaitBeats(2);

        CountDownLatch wedgedNow = new CountDownLatch(1);
        loops[0].execute(() -> {
            wedgedNow.countDown();
            try {
                unwedge.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(wedgedNow.await(30, TimeUnit.SECONDS)).as("the loop took the wedge").isTrue();
        // A probe queued before the wedge may still make the next beat say alive; after that beat
        // has run, no beat may. Beats are scheduled on the accepting loop, which runs scheduled
        // tasks in deadline order: a task due one period later runs after the beat due before it.
        afterNextBeat();
        int wedged = beats();
        for (int beat = 0; beat < 3; beat++) {
            afterNextBeat();
        }
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
