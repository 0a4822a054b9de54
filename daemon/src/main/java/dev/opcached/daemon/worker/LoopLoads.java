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
 * At most all loops but one run a script at once, so a new connection always has a loop that is
 * free to take it (a worker of one loop runs no script on it).
 */
final class LoopLoads implements EventExecutorChooserFactory {
    /** Loops inside a script now, across the group. */
    private final AtomicInteger inScripts = new AtomicInteger();

    /** One event loop's connections and its script, if it runs one. */
    final class Load {
        private final EventExecutor loop;
        private final AtomicInteger connections = new AtomicInteger();
        private volatile boolean runningScript;

        private Load(EventExecutor loop) {
            this.loop = loop;
        }

        /**
         * Marks this loop as running a script for {@code connection}, one of its own; true when
         * that connection is open and alone on it and another loop is free for new connections
         * (then call {@link #scriptEnded()}), false when the script must run elsewhere. Call on
         * the loop.
         */
        boolean scriptStarting(Channel connection) {
            if (inScripts.incrementAndGet() >= all.length) {
                inScripts.decrementAndGet();
                return false;
            }
            runningScript = true;
            // Open: a closed connection is counted out already, and the one counted may be another.
            if (connections.get() == 1 && connection.isOpen()) {
                return true;
            }
            runningScript = false;
            inScripts.decrementAndGet();
            return false;
        }

        void scriptEnded() {
            runningScript = false;
            inScripts.decrementAndGet();
        }

        /** Whether this loop is inside a script now: it is busy, not wedged. */
        boolean runningScript() {
            return runningScript;
        }

        int connections() {
            return connections.get();
        }

        /** One of its connections closed. */
        void connectionClosed() {
            connections.decrementAndGet();
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
     * The loop for a new connection: the least loaded of those not running a script (one always
     * is, though which may change while they are looked at: then they are looked at again). The
     * connection is counted in; {@link #track} counts it out when it closes.
     */
    private synchronized EventExecutor choose() {
        Load[] loops = all;
        while (true) {
            // Counts taken once a round: closes change them meanwhile, and an order needs stable keys.
            int[] counts = new int[loops.length];
            for (int i = 0; i < loops.length; i++) {
                counts[i] = loops[i].connections.get();
            }
            boolean[] tried = new boolean[loops.length];
            for (int round = 0; round < loops.length; round++) {
                int next = -1;
                for (int i = 0; i < loops.length; i++) {
                    if (!tried[i] && (next < 0 || counts[i] < counts[next])) {
                        next = i;
                    }
                }
                tried[next] = true;
                // Count in, then look: the chooser's half of the handshake.
                Load load = loops[next];
                load.connections.incrementAndGet();
                if (!load.runningScript) {
                    return load.loop;
                }
                load.connections.decrementAndGet();
            }
            Thread.onSpinWait();
        }
    }

    /** A connection registered on a loop of this group: counted out when it closes. */
    void track(Channel channel) {
        Load load = of(channel.eventLoop());
        if (load != null) {
            channel.closeFuture().addListener(closed -> load.connectionClosed());
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
