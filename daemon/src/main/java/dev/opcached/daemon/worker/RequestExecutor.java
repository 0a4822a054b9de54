package dev.opcached.daemon.worker;

import dev.opcached.daemon.runtime.ScriptOutcome;
import dev.opcached.daemon.runtime.ScriptRunner;
import dev.opcached.script.Request;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Runs scripts off the event loop, on this worker's request threads (opcached.worker_threads). */
final class RequestExecutor implements AutoCloseable {
    /** How a request's script is run: {@link ScriptRunner#run(Path, Request, Runnable)}'s shape. */
    @FunctionalInterface
    interface Runs {
        ScriptOutcome run(Path file, Request request, Runnable scriptStarting);
    }

    private final Runs runner;
    private final ExecutorService threads;

    RequestExecutor(ScriptRunner runner, int threadCount) {
        this(runner::run, startedThreads(threadCount));
    }

    /** @param threads where scripts run (tests on an EmbeddedChannel run them on the calling thread) */
    RequestExecutor(ScriptRunner runner, ExecutorService threads) {
        this(runner::run, threads);
    }

    private RequestExecutor(Runs runner, ExecutorService threads) {
        this.runner = runner;
        this.threads = threads;
    }

    /**
     * An executor on these same request threads that runs {@code other} instead of the scripts (the
     * warm-up's built-in script); closing it is closing this one.
     */
    RequestExecutor runningInstead(Runs other) {
        return new RequestExecutor(other, threads);
    }

    private static ExecutorService startedThreads(int threadCount) {
        ThreadPoolExecutor threads = new ThreadPoolExecutor(threadCount, threadCount, 0, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), new DefaultThreadFactory("request", true));
        // Started now rather than by the first requests, which would each wait for a thread to start.
        threads.prestartAllCoreThreads();
        return threads;
    }

    /**
     * Runs the script at {@code file} for {@code request}: {@code scriptStarting} once it is loaded,
     * then {@code done} with the outcome.
     */
    void submit(Path file, HttpScriptRequest request, Runnable scriptStarting, Consumer<ScriptOutcome> done) {
        threads.execute(() -> done.accept(runner.run(file, request, scriptStarting)));
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
