package dev.opcached.daemon.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorChooserFactory.EventExecutorChooser;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which loop takes a new connection, and when a loop may run a script itself. */
class LoopLoadsTest {
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private final LoopLoads loads = new LoopLoads();
    private final EventExecutor[] loops = {loop(), loop(), loop()};
    private final EventExecutorChooser chooser = loads.newChooser(loops);

    /** An embedded channel's own loop: that channel then stands for a connection on it. */
    private EventExecutor loop() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channels.add(channel);
        return channel.eventLoop();
    }

    private Channel connectionOn(EventExecutor loop) {
        return channels.stream().filter(channel -> channel.eventLoop() == loop).findFirst().orElseThrow();
    }

    private boolean scriptStarting(EventExecutor loop) {
        return loads.of(loop).scriptStarting(connectionOn(loop));
    }

    @AfterEach
    void close() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    @Test
    void newConnectionsGoToTheLeastLoadedLoop() {
        List<EventExecutor> chosen = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            chosen.add(chooser.next());
        }
        for (EventExecutor loop : loops) {
            assertThat(chosen).filteredOn(loop::equals).hasSize(2);
            assertThat(loads.of(loop).connections()).isEqualTo(2);
        }
    }

    @Test
    void aLoopRunsAScriptOnlyForAnOpenConnectionAloneOnIt() {
        EventExecutor first = chooser.next();
        LoopLoads.Load load = loads.of(first);
        assertThat(scriptStarting(first)).isTrue();
        assertThat(load.runningScript()).isTrue();
        load.scriptEnded();
        assertThat(load.runningScript()).isFalse();

        EmbeddedChannel closed = new EmbeddedChannel();
        closed.close();
        assertThat(load.scriptStarting(closed)).as("its own connection is gone: the one counted is another").isFalse();

        chooser.next();
        chooser.next();
        assertThat(chooser.next()).as("the fourth connection shares a loop").isEqualTo(first);
        assertThat(scriptStarting(first)).as("two connections on the loop").isFalse();
        assertThat(load.runningScript()).as("a refused start leaves no mark").isFalse();
    }

    @Test
    void aLoopInsideAScriptTakesNoNewConnection() {
        EventExecutor busy = chooser.next();
        assertThat(scriptStarting(busy)).isTrue();
        // The others get more connections than the busy one has: still none goes to it.
        for (int i = 0; i < 5; i++) {
            assertThat(chooser.next()).isNotEqualTo(busy);
        }
        assertThat(loads.of(busy).connections()).isEqualTo(1);
        loads.of(busy).scriptEnded();
        assertThat(chooser.next()).as("the least loaded again, once its script ended").isEqualTo(busy);
    }

    @Test
    void oneLoopAlwaysStaysFreeForNewConnections() {
        for (int i = 0; i < 3; i++) {
            chooser.next();
        }
        assertThat(scriptStarting(loops[0])).isTrue();
        assertThat(scriptStarting(loops[1])).isTrue();
        assertThat(scriptStarting(loops[2])).as("the last free loop").isFalse();
        assertThat(chooser.next()).isEqualTo(loops[2]);
        loads.of(loops[0]).scriptEnded();
        assertThat(chooser.next()).isEqualTo(loops[0]);
    }

    @Test
    void aWorkerOfOneLoopRunsNoScriptOnIt() {
        LoopLoads single = new LoopLoads();
        EventExecutor only = single.newChooser(new EventExecutor[] {loops[0]}).next();
        assertThat(single.of(only).scriptStarting(connectionOn(only))).isFalse();
    }

    @Test
    void aClosedConnectionIsCountedOut() {
        EventExecutor loop = chooser.next();
        EmbeddedChannel connection = (EmbeddedChannel) connectionOn(loop);
        loads.track(connection);
        assertThat(loads.of(loop).connections()).isEqualTo(1);
        connection.close();
        assertThat(loads.of(loop).connections()).isZero();
    }

    /**
     * The handshake under contention: a loop starting and ending scripts for its one connection,
     * an acceptor choosing loops for new connections (each counted while it checks, then closed).
     * The acceptor must never be given the loop while that loop runs a script.
     */
    @Test
    void theChooserNeverGivesALoopThatRunsAScript() throws Exception {
        LoopLoads contended = new LoopLoads();
        EventExecutorChooser choosing = contended.newChooser(new EventExecutor[] {loops[0], loops[1]});
        assertThat(choosing.next()).isEqualTo(loops[0]);
        LoopLoads.Load load = contended.of(loops[0]);
        Channel own = connectionOn(loops[0]);
        // The other loop fuller (two connections chosen while the first ran a script), so that
        // the chooser tries the one running scripts first.
        assertThat(load.scriptStarting(own)).isTrue();
        assertThat(choosing.next()).isEqualTo(loops[1]);
        assertThat(choosing.next()).isEqualTo(loops[1]);
        load.scriptEnded();
        AtomicBoolean running = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger scripts = new AtomicInteger();
        Thread loop = new Thread(() -> {
            while (!stop.get()) {
                if (load.scriptStarting(own)) {
                    running.set(true);
                    scripts.incrementAndGet();
                    Thread.onSpinWait();
                    running.set(false);
                    load.scriptEnded();
                }
            }
        });
        loop.start();
        int given = 0;
        int violations = 0;
        try {
            for (int i = 0; i < 200_000; i++) {
                EventExecutor chosen = choosing.next();
                if (chosen == loops[0]) {
                    given++;
                    if (running.get()) {
                        violations++;
                    }
                }
                // The new connection closes: counted out.
                contended.of(chosen).connectionClosed();
            }
        } finally {
            stop.set(true);
            loop.join();
        }
        assertThat(violations).isZero();
        assertThat(given).as("the loop was chosen at times").isPositive();
        assertThat(scripts.get()).as("and ran scripts at times").isPositive();
    }
}
