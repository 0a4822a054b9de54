package dev.opcached.daemon.runtime;

import dev.opcached.script.Request;
import dev.opcached.script.Script;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a script for one request and turns every failure into a response: a compile error or an
 * exception becomes a 500, with the details in the body only when display_errors is on (and in
 * the log always).
 */
public final class ScriptRunner {
    private static final Logger LOG = LoggerFactory.getLogger(ScriptRunner.class);

    private final ScriptRuntime runtime;
    private final boolean displayErrors;

    public ScriptRunner(ScriptRuntime runtime, boolean displayErrors) {
        this.runtime = runtime;
        this.displayErrors = displayErrors;
    }

    public BufferedResponse run(Path file, Request request) {
        BufferedResponse response = new BufferedResponse();
        try {
            Script script = runtime.instantiate(file);
            script.handle(request, response);
            return response;
        } catch (ScriptException e) {
            if (e.isNotFound()) {
                BufferedResponse notFound = new BufferedResponse();
                notFound.status(404).header("Content-Type", "text/plain; charset=utf-8").write("404 Not Found\n");
                return notFound;
            }
            LOG.warn("{} {}: {}", request.method(), request.path(), e.getMessage());
            return error(e.getMessage() + (e.diagnostics().isEmpty() ? "" : "\n" + String.join("\n", e.diagnostics())));
        } catch (Throwable e) {
            if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) {
                throw (VirtualMachineError) e;
            }
            LOG.error("{} {}: script {} threw", request.method(), request.path(), file, e);
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            return error(file + " threw " + trace);
        }
    }

    private BufferedResponse error(String detail) {
        BufferedResponse response = new BufferedResponse();
        response.status(500).header("Content-Type", "text/plain; charset=utf-8");
        response.write("500 Internal Server Error\n");
        if (displayErrors) {
            response.write("\n").write(detail).write("\n");
        }
        return response;
    }
}
