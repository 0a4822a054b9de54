package dev.opcached.daemon.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorChooserFactory.EventExecutorChooser;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which loop takes a new connection, and when a loop may run a script itself. */
class LoopLoadsTest {
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private final LoopLoads loads = new LoopLoads();
    private final EventExecutor[] loops = {loop(), loop(), loop()};
    private final EventExecutorChooser chooser = loads.newChooser(loops);

    /** An embedded channel's own loop: a channel on it is then a channel on that loop. */
    private EventExecutor loop() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channels.add(channel);
        return channel.eventLoop();
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
    void aLoopRunsAScriptOnlyForAConnectionAloneOnIt() {
        EventExecutor first = chooser.next();
        LoopLoads.Load load = loads.of(first);
        assertThat(load.scriptStarting()).isTrue();
        assertThat(load.runningScript()).isTrue();
        load.scriptEnded();
        assertThat(load.runningScript()).isFalse();

        chooser.next();
        chooser.next();
        assertThat(chooser.next()).as("the fourth connection shares a loop").isEqualTo(first);
        assertThat(load.scriptStarting()).as("two connections on the loop").isFalse();
        assertThat(load.runningScript()).as("a refused start leaves no mark").isFalse();
    }

    @Test
    void aLoopInsideAScriptTakesNoNewConnectionWhileAnotherLoopCan() {
        EventExecutor busy = chooser.next();
        assertThat(loads.of(busy).scriptStarting()).isTrue();
        // The others get more connections than the busy one has: still none goes to it.
        for (int i = 0; i < 5; i++) {
            assertThat(chooser.next()).isNotEqualTo(busy);
        }
        assertThat(loads.of(busy).connections()).isEqualTo(1);
        loads.of(busy).scriptEnded();
        assertThat(chooser.next()).as("the least loaded again, once its script ended").isEqualTo(busy);
    }

    @Test
    void whenEveryLoopRunsAScriptTheLeastLoadedStillTakesTheConnection() {
        chooser.next();
        chooser.next();
        chooser.next();
        for (EventExecutor loop : loops) {
            assertThat(loads.of(loop).scriptStarting()).isTrue();
        }
        // It waits for a script to end, as a request waits for a busy request thread.
        EventExecutor chosen = chooser.next();
        assertThat(loads.of(chosen).connections()).isEqualTo(2);
    }

    @Test
    void aClosedConnectionIsCountedOut() {
        EventExecutor loop = chooser.next();
        EmbeddedChannel connection = channels.stream().filter(channel -> channel.eventLoop() == loop)
                .findFirst().orElseThrow();
        loads.track(connection);
        assertThat(loads.of(loop).connections()).isEqualTo(1);
        connection.close();
        assertThat(loads.of(loop).connections()).isZero();
        assertThat(loads.of(loop).scriptStarting()).as("no connection on it").isFalse();
    }
}
