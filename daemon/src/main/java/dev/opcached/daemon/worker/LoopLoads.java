package dev.opcached.daemon.worker;

import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorChooserFactory;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The connections on each of a worker's event loops, and whether a loop is running a script
 * itself: the chooser that gives a new connection to the least loaded loop, and the test that lets
 * a loop run a request's script only while that request's connection is the only one it serves,
 * so that a slow script never stalls another connection.
 *
 * <p>Choosing a loop and starting a script on it race; the two sides take a Dekker handshake over
 * volatile fields: the chooser counts the new connection in, then looks whether the loop runs a
 * script; the loop marks itself running, then counts its connections. At least one of them sees
 * the other, so either the connection goes elsewhere or the script goes to the request threads.
 */
final class LoopLoads implements EventExecutorChooserFactory {
    /** One event loop's connections and its script, if it runs one. */
    static final class Load {
        private final EventExecutor loop;
        private final AtomicInteger connections = new AtomicInteger();
        private volatile boolean runningScript;

        private Load(EventExecutor loop) {
            this.loop = loop;
        }

        /**
         * Marks this loop as running a script for one of its connections; true when that
         * connection is alone on it (then call {@link #scriptEnded()}), false when the script must
         * run elsewhere. Call on the loop.
         */
        boolean scriptStarting() {
            runningScript = true;
            if (connections.get() == 1) {
                return true;
            }
            runningScript = false;
            return false;
        }

        void scriptEnded() {
            runningScript = false;
        }

        /** Whether this loop is inside a script now: it is busy, not wedged. */
        boolean runningScript() {
            return runningScript;
        }

        int connections() {
            return connections.get();
        }

        EventExecutor loop() {
            return loop;
        }
    }

    private volatile Map<EventExecutor, Load> loads = Map.of();
    private volatile Load[] all = new Load[0];

    @Override
    public EventExecutorChooser newChooser(EventExecutor[] executors) {
        Map<EventExecutor, Load> byLoop = new IdentityHashMap<>();
        Load[] created = new Load[executors.length];
        for (int i = 0; i < executors.length; i++) {
            created[i] = new Load(executors[i]);
            byLoop.put(executors[i], created[i]);
        }
        loads = byLoop;
        all = created;
        return this::choose;
    }

    /**
     * The loop for a new connection: the least loaded of those not running a script, or the least
     * loaded of all when every loop runs one (then the connection waits its turn, as a request
     * waits for a request thread when all are busy). The connection is counted in; {@link #track}
     * counts it out when it closes.
     */
    private synchronized EventExecutor choose() {
        Load[] loops = all;
        // Counts taken once: closes change them meanwhile, and an order needs stable keys.
        int[] counts = new int[loops.length];
        for (int i = 0; i < loops.length; i++) {
            counts[i] = loops[i].connections.get();
        }
        boolean[] tried = new boolean[loops.length];
        int least = -1;
        for (int round = 0; round < loops.length; round++) {
            int next = -1;
            for (int i = 0; i < loops.length; i++) {
                if (!tried[i] && (next < 0 || counts[i] < counts[next])) {
                    next = i;
                }
            }
            tried[next] = true;
            if (least < 0) {
                least = next;
            }
            // Count in, then look: the chooser's half of the handshake.
            Load load = loops[next];
            load.connections.incrementAndGet();
            if (!load.runningScript) {
                return load.loop;
            }
            load.connections.decrementAndGet();
        }
        loops[least].connections.incrementAndGet();
        return loops[least].loop;
    }

    /** A connection registered on a loop of this group: counted out when it closes. */
    void track(Channel channel) {
        Load load = of(channel.eventLoop());
        if (load != null) {
            channel.closeFuture().addListener(closed -> load.connections.decrementAndGet());
        }
    }

    /** The load of {@code loop}; null for a loop of another group (a test's embedded channel). */
    Load of(EventExecutor loop) {
        return loads.get(loop);
    }

    /** Every loop's load, in the group's order. */
    Load[] all() {
        return all.clone();
    }
}
