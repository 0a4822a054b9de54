package dev.opcached.daemon.runtime;

import dev.opcached.protocol.common.LogText;
import dev.opcached.script.Request;
import dev.opcached.script.Script;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a script for one request and turns every failure into a response: a compile error or
 * anything a script throws (an {@link Error} too) becomes a 500, with the details in the body only
 * when display_errors is on (and in the log always); a faulted segment becomes a 503. The outcome
 * also says when the worker is no longer fit to serve (out of memory). While the script runs, the
 * thread's context class loader is the script's own ({@link ScriptContextClassLoader}).
 */
public final class ScriptRunner {
    private static final Logger LOG = LoggerFactory.getLogger(ScriptRunner.class);

    private final ScriptRuntime runtime;
    private final boolean displayErrors;
    private final long maxResponseBytes;

    public ScriptRunner(ScriptRuntime runtime, boolean displayErrors) {
        this(runtime, displayErrors, Long.MAX_VALUE);
    }

    /** @param maxResponseBytes opcached.max_response_size: a larger body is refused with a 500 */
    public ScriptRunner(ScriptRuntime runtime, boolean displayErrors, long maxResponseBytes) {
        this.runtime = runtime;
        this.displayErrors = displayErrors;
        this.maxResponseBytes = maxResponseBytes;
    }

    /** Runs the script at {@code file}; the response, whatever happened. */
    public BufferedResponse run(Path file, Request request) {
        return run(file, request, () -> { }).response();
    }

    /**
     * Runs the script at {@code file}, calling {@code scriptStarting} once it is loaded and about to
     * run (its static initialisers and constructor are part of the run): compiling it (or waiting
     * for another process's compile) is not the script's run time.
     */
    public ScriptOutcome run(Path file, Request request, Runnable scriptStarting) {
        ScriptRuntime.Loaded loaded;
        try {
            loaded = runtime.loadMain(file);
        } catch (ScriptException e) {
            if (e.isNotFound()) {
                return ScriptOutcome.served(BufferedResponse.plain(404, "404 Not Found\n"));
            }
            return refused(request, e);
        } catch (Throwable e) {
            if (SegmentFault.isSegmentLost(e)) {
                return segmentLost(file, request, "loading", e);
            }
            return failed(file, request, "could not be loaded", e);
        }
        // The clock starts before the constructor and the static initialisers: they are the
        // script's code, and a loop in them is a runaway like any other.
        scriptStarting.run();
        BufferedResponse response = new BufferedResponse(maxResponseBytes);
        try {
            // One context-loader swap for the constructor and the handler together.
            ScriptContextClassLoader.call(loaded.loader(), () -> {
                Script script = runtime.instantiate(loaded, file);
                script.handle(request, response);
                return null;
            });
        } catch (ScriptException e) {
            return refused(request, e);
        } catch (Throwable e) {
            if (SegmentFault.isSegmentLost(e)) {
                // JIT-compiled code reports a fault on the mapping late: it surfaces after the lookup returned.
                return segmentLost(file, request, "running", e);
            }
            if (!(e instanceof ResponseTooLargeException)) {
                return failed(file, request, "threw", e);
            }
        }
        if (response.overflowed()) {
            LOG.error("{}: script {} wrote more than opcached.max_response_size={} bytes; answering 500",
                    where(request), LogText.escape(file), maxResponseBytes);
            return ScriptOutcome.served(error(file + " wrote more than opcached.max_response_size=" + maxResponseBytes
                    + " bytes"));
        }
        return ScriptOutcome.served(response);
    }

    private static ScriptOutcome segmentLost(Path file, Request request, String when, Throwable e) {
        LOG.error("{}: the segment faulted while {} {}: {}", where(request), when, LogText.escape(file), LogText.escape(e));
        return new ScriptOutcome(BufferedResponse.plain(503, "503 Service Unavailable\n"), ScriptOutcome.Fault.SEGMENT_LOST, e);
    }

    /** A script that cannot run (it does not compile, or its constructor threw): a 500 with the diagnostics. */
    private ScriptOutcome refused(Request request, ScriptException e) {
        LOG.warn("{}: {}", where(request), LogText.escape(e.getMessage()));
        return ScriptOutcome.served(error(e.getMessage()
                + (e.diagnostics().isEmpty() ? "" : "\n" + String.join("\n", e.diagnostics()))));
    }

    private ScriptOutcome failed(Path file, Request request, String what, Throwable e) {
        // An InternalError that reaches here is one a script threw (a faulted segment is told
        // apart above): it costs the request, not the worker.
        boolean unfit = ProcessFitness.unfitAfter(e) && !(e instanceof InternalError);
        LOG.error("{}: script {} {}", where(request), LogText.escape(file), what, e);
        BufferedResponse response;
        try {
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            response = error(file + " " + what + " " + trace);
        } catch (OutOfMemoryError again) {
            response = BufferedResponse.plain(500, "500 Internal Server Error\n");
        }
        return unfit ? new ScriptOutcome(response, ScriptOutcome.Fault.WORKER_UNFIT, e) : ScriptOutcome.served(response);
    }

    /** The request as a log line names it: method and path, the path escaped (it is the client's, decoded). */
    private static String where(Request request) {
        return request.method() + " " + LogText.escape(request.path());
    }

    private BufferedResponse error(String detail) {
        BufferedResponse response = BufferedResponse.plain(500, "500 Internal Server Error\n");
        if (displayErrors) {
            response.write("\n").write(detail).write("\n");
        }
        return response;
    }

}
