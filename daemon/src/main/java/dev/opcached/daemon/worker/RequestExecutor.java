package dev.opcached.daemon.worker;

import dev.opcached.daemon.runtime.BufferedResponse;
import dev.opcached.daemon.runtime.ScriptRunner;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** Runs scripts off the event loop, on this worker's request threads (opcached.worker_threads). */
final class RequestExecutor implements AutoCloseable {
    private final ScriptRunner runner;
    private final ExecutorService threads;

    RequestExecutor(ScriptRunner runner, int threadCount) {
        this.runner = runner;
        AtomicInteger number = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threadCount, threadCount, 0, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, "request-" + number.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        // Started now rather than by the first requests, which would each wait for a thread to start.
        pool.prestartAllCoreThreads();
        this.threads = pool;
    }

    /** Runs the script at {@code file} for {@code request} and hands the response to {@code done}. */
    void submit(Path file, HttpScriptRequest request, Consumer<BufferedResponse> done) {
        threads.execute(() -> done.accept(runner.run(file, request)));
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
