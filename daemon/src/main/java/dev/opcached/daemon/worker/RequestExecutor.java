package dev.opcached.daemon.worker;

import dev.opcached.daemon.runtime.ScriptOutcome;
import dev.opcached.daemon.runtime.ScriptRunner;
import dev.opcached.script.Request;
import io.netty.channel.Channel;
import io.netty.util.concurrent.DefaultThreadFactory;
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
     * (the warm-up's built-in script), on the request threads for its first {@code handedOff}
     * runs and then on the loops, so that both ways are warmed; closing it is closing this one.
     */
    RequestExecutor runningInstead(Runs other, int handedOff) {
        return new RequestExecutor(other, threads, loads, new QuickScripts(handedOff));
    }

    /** The connections on each loop, and which loop runs a script. */
    LoopLoads loads() {
        return loads;
    }

    private static ExecutorService startedThreads(int threadCount) {
        ThreadPoolExecutor threads = new ThreadPoolExecutor(threadCount, threadCount, 0, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), new DefaultThreadFactory("request", true));
        // Started now rather than by the first requests, which would each wait for a thread to start.
        threads.prestartAllCoreThreads();
        return threads;
    }

    /**
     * Runs the script at {@code file} for {@code request}, which came on {@code connection}:
     * {@code scriptStarting} once it is loaded, then {@code done} with the outcome, on the
     * connection's loop when the script ran there, else on a request thread. Call on that loop.
     */
    void submit(Channel connection, Path file, HttpScriptRequest request, Runnable scriptStarting,
                Consumer<ScriptOutcome> done) {
        LoopLoads.Load load = loads.of(connection.eventLoop());
        if (load != null && quick.quick(file) && load.scriptStarting(connection)) {
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

    /** The script's outcome, and its time counted; a failure of the code around it is a 500 too. */
    private ScriptOutcome timed(Path file, HttpScriptRequest request, Runnable scriptStarting) {
        long started = System.nanoTime();
        try {
            ScriptOutcome outcome = runner.run(file, request, scriptStarting);
            quick.ran(file, System.nanoTime() - started);
            return outcome;
        } catch (Throwable failure) {
            return ScriptOutcome.internalError(failure);
        }
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
