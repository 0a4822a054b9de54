package dev.opcached.daemon.worker;

import dev.opcached.daemon.runtime.ScriptOutcome;
import dev.opcached.daemon.runtime.ScriptRunner;
import dev.opcached.script.Request;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs a request's script: on the event loop of its connection when that connection is alone on
 * the loop and the script has been quick ({@link LoopLoads}, {@link QuickScripts}), which saves
 * two thread hand-offs per request; else on this worker's request threads (opcached.worker_threads).
 */
final class RequestExecutor implements AutoCloseable {
    /** How a request's script is run: {@link ScriptRunner#run(Path, Request, Runnable)}'s shape. */
    @FunctionalInterface
    interface Runs {
        ScriptOutcome run(Path file, Request request, Runnable scriptStarting);
    }

    private final Runs runner;
    private final ExecutorService threads;
    private final LoopLoads loads;
    private final QuickScripts quick;

    RequestExecutor(ScriptRunner runner, int threadCount, LoopLoads loads) {
        this(runner::run, startedThreads(threadCount), loads, new QuickScripts());
    }

    /**
     * @param threads where scripts run (tests on an EmbeddedChannel run them on the calling
     *                thread); never on an event loop
     */
    RequestExecutor(ScriptRunner runner, ExecutorService threads) {
        this(runner::run, threads, new LoopLoads(), new QuickScripts());
    }

    private RequestExecutor(Runs runner, ExecutorService threads, LoopLoads loads, QuickScripts quick) {
        this.runner = runner;
        this.threads = threads;
        this.loads = loads;
        this.quick = quick;
    }

    /**
     * An executor on these same threads and loops that runs {@code other} instead of the scripts
     * (the warm-up's built-in script); closing it is closing this one.
     */
    RequestExecutor runningInstead(Runs other) {
        return new RequestExecutor(other, threads, loads, new QuickScripts());
    }

    private static ExecutorService startedThreads(int threadCount) {
        ThreadPoolExecutor threads = new ThreadPoolExecutor(threadCount, threadCount, 0, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), new DefaultThreadFactory("request", true));
        // Started now rather than by the first requests, which would each wait for a thread to start.
        threads.prestartAllCoreThreads();
        return threads;
    }

    /**
     * Runs the script at {@code file} for {@code request}, which came on a connection of
     * {@code loop}: {@code scriptStarting} once it is loaded, then {@code done} with the outcome,
     * on the loop when the script ran there, else on a request thread. Call on {@code loop}.
     */
    void submit(EventExecutor loop, Path file, HttpScriptRequest request, Runnable scriptStarting,
                Consumer<ScriptOutcome> done) {
        LoopLoads.Load load = loads.of(loop);
        if (load != null && quick.quick(file) && load.scriptStarting()) {
            ScriptOutcome outcome;
            try {
                outcome = timed(file, request, scriptStarting);
            } finally {
                load.scriptEnded();
                // A script that interrupted its thread must not leave the loop interrupted.
                Thread.interrupted();
            }
            done.accept(outcome);
            return;
        }
        threads.execute(() -> done.accept(timed(file, request, scriptStarting)));
    }

    private ScriptOutcome timed(Path file, HttpScriptRequest request, Runnable scriptStarting) {
        long started = System.nanoTime();
        try {
            return runner.run(file, request, scriptStarting);
        } finally {
            quick.ran(file, System.nanoTime() - started);
        }
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
