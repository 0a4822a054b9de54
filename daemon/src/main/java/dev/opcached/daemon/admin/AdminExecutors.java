package dev.opcached.daemon.admin;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The two executors admin calls run on, never the event loop: one for reads ({@code /status},
 * {@code /configuration}), one for calls that change the cache (a reset waits for the segment's
 * write lock, a compile runs javac), so that a long change never holds up a status. Both queues
 * are bounded; a call beyond them is refused (503), never queued without limit.
 */
final class AdminExecutors implements AutoCloseable {
    /** Reads waiting beyond this many are refused. */
    static final int MAX_QUEUED_READS = 4096;
    /** Changes waiting beyond this many are refused: a caller that waits longer would time out anyway. */
    static final int MAX_QUEUED_CHANGES = 8;

    private final ExecutorService reads;
    private final ExecutorService changes;

    AdminExecutors(int queuedReads, int queuedChanges) {
        this.reads = new ThreadPoolExecutor(2, 2, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queuedReads),
                new DefaultThreadFactory("admin-read", true));
        // One thread: changes are applied one at a time, in the order they were accepted.
        this.changes = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queuedChanges),
                new DefaultThreadFactory("admin-change", true));
    }

    AdminExecutors() {
        this(MAX_QUEUED_READS, MAX_QUEUED_CHANGES);
    }

    /** Runs {@code /status} and {@code /configuration}. */
    ExecutorService reads() {
        return reads;
    }

    /** Runs the calls that change the cache; its execute throws RejectedExecutionException when full. */
    ExecutorService changes() {
        return changes;
    }

    @Override
    public void close() {
        reads.shutdownNow();
        changes.shutdownNow();
    }
}
