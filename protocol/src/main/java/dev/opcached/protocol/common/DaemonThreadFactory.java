package dev.opcached.protocol.common;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Named daemon threads for the modules without Netty (this one and the client), so that no
 * background thread of theirs ever holds the JVM's exit. The daemon's own threads come from
 * Netty's {@code DefaultThreadFactory(name, true)} instead: its threads carry Netty's fast
 * thread-locals, which the event loops want.
 */
public final class DaemonThreadFactory implements ThreadFactory {
    private final String name;
    private final AtomicInteger made = new AtomicInteger();

    /** Threads named {@code name-1}, {@code name-2}, … */
    public DaemonThreadFactory(String name) {
        this.name = name;
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread thread = new Thread(task, name + "-" + made.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    }
}
