package dev.opcached.daemon.compiler;

import dev.opcached.daemon.compile.CompilerUnavailableException;
import dev.opcached.daemon.compile.FileOutcome;
import dev.opcached.daemon.compile.PoolCompiler;
import dev.opcached.daemon.runtime.ProcessFitness;
import dev.opcached.protocol.common.LogText;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns concurrent compile requests into batches: while the engine runs one batch, new requests
 * queue; the next batch takes every queued path, each once, in one call of the engine. Each
 * outcome goes to every request that asked for its path as soon as the engine reports it; a
 * request is done once all its paths have outcomes. A path asked while a batch compiles it is
 * queued for the next batch (where it is found current at once) rather than joined to the running
 * one, so that an answer is always about a compile that started after the question.
 */
final class CompileBatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CompileBatcher.class);

    /** Where a request's answers go; called from the batch thread, so implementations must not block. */
    interface Waiter {
        void outcome(FileOutcome outcome);

        /** All the request's paths have had their outcome. */
        void done();

        /** The batch failed: the outcomes not yet given are unknown. */
        void failed(String message);

        /** Whether anyone still waits (a false one is dropped from the queue before its batch starts). */
        boolean waiting();
    }

    /** A queued request: its distinct paths, how long it waits, and the paths still without outcome. */
    private static final class Pending {
        final List<String> paths;
        final long deadlineNanos;
        final Waiter waiter;
        final Set<String> open;

        Pending(List<String> paths, long deadlineNanos, Waiter waiter) {
            this.paths = paths;
            this.deadlineNanos = deadlineNanos;
            this.waiter = waiter;
            this.open = new HashSet<>(paths);
        }
    }

    private final PoolCompiler engine;
    private final Thread thread;
    private final List<Pending> queue = new ArrayList<>();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicInteger runningPaths = new AtomicInteger();
    private boolean closed;

    CompileBatcher(PoolCompiler engine, ThreadFactory threads) {
        this.engine = engine;
        this.thread = threads.newThread(this::run);
        thread.start();
    }

    /**
     * Queues {@code paths} (distinct real paths) for the next batch.
     *
     * @param deadlineNanos {@link System#nanoTime()} at which the requester stops waiting
     */
    synchronized void submit(List<String> paths, long deadlineNanos, Waiter waiter) {
        // once closed, nothing: the server is closing the connection, which sends the client elsewhere
        if (!closed) {
            queue.add(new Pending(List.copyOf(paths), deadlineNanos, waiter));
            notifyAll();
        }
    }

    /** Paths queued for the next batch (with repeats), for {@code ping}. */
    synchronized int queuedPaths() {
        return queue.stream().mapToInt(pending -> pending.paths.size()).sum();
    }

    /** Paths of the batch the engine compiles now (0: none runs), for {@code ping}. */
    int runningPaths() {
        return runningPaths.get();
    }

    /** Engine calls made so far. */
    long batches() {
        return batches.get();
    }

    private List<Pending> takeBatch() throws InterruptedException {
        synchronized (this) {
            while (queue.isEmpty() && !closed) {
                wait();
            }
            List<Pending> taken = new ArrayList<>(queue);
            queue.clear();
            return taken;
        }
    }

    private void run() {
        try {
            while (true) {
                List<Pending> batch = takeBatch();
                if (batch.isEmpty()) {
                    return; // closed
                }
                compile(batch);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void compile(List<Pending> taken) {
        long now = System.nanoTime();
        Map<String, List<Pending>> wanted = new LinkedHashMap<>();
        long deadlineNanos = now;
        List<Pending> batch = new ArrayList<>();
        for (Pending pending : taken) {
            if (!pending.waiter.waiting() || pending.deadlineNanos - now <= 0) {
                // gone, or given up while queued: it has had (or will send itself) its answer
                continue;
            }
            batch.add(pending);
            deadlineNanos = Math.max(deadlineNanos, pending.deadlineNanos);
            for (String path : pending.paths) {
                wanted.computeIfAbsent(path, p -> new ArrayList<>()).add(pending);
            }
        }
        if (batch.isEmpty()) {
            return;
        }
        List<Path> paths = wanted.keySet().stream().map(Path::of).toList();
        long deadlineMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - now));
        batches.incrementAndGet();
        LOG.debug("batch of {} files for {} requests", paths.size(), batch.size());
        runningPaths.set(paths.size());
        try {
            List<FileOutcome> outcomes = engine.compile(paths, deadlineMillis, outcome -> deliver(wanted, outcome));
            // an engine that returns without reporting each outcome: what it returned counts
            outcomes.forEach(outcome -> deliver(wanted, outcome));
            fail(batch, "the compile engine gave no outcome for some files");
        } catch (CompilerUnavailableException e) {
            fail(batch, e.getMessage());
        } catch (RuntimeException | Error e) {
            LOG.error("the compile of a batch of {} files failed", paths.size(), e);
            fail(batch, "the compiler failed on this batch: " + LogText.escape(e.toString()));
            if (e instanceof Error error && ProcessFitness.unfitAfter(error)) {
                // the supervisor starts a fresh compiler; the segment's markers keep the pool single-flight
                LOG.error("the compiler is unfit after {}; exiting", error.toString());
                Runtime.getRuntime().halt(CompilerExit.FATAL_ERROR);
            }
        } finally {
            runningPaths.set(0);
        }
    }

    private static void deliver(Map<String, List<Pending>> wanted, FileOutcome outcome) {
        List<Pending> waiting = wanted.get(outcome.path());
        if (waiting == null) {
            return;
        }
        for (Pending pending : waiting) {
            if (pending.open.remove(outcome.path())) {
                pending.waiter.outcome(outcome);
                if (pending.open.isEmpty()) {
                    pending.waiter.done();
                }
            }
        }
    }

    private static void fail(List<Pending> batch, String message) {
        for (Pending pending : batch) {
            if (!pending.open.isEmpty()) {
                pending.open.clear();
                pending.waiter.failed(message);
            }
        }
    }

    /**
     * Stops taking batches and forgets what is queued, without answering it: the server closes
     * the connections, and their clients ask the compiler that replaces this one.
     */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            queue.clear();
            notifyAll();
        }
        thread.interrupt();
    }
}
