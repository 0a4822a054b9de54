package dev.opcached.daemon.worker;

import dev.opcached.script.Request;
import dev.opcached.script.Response;
import dev.opcached.script.Script;

/** The script a new worker runs once, from bytes, before it listens (see {@link Warmup}). */
public final class WarmupScript implements Script {
    @Override
    public void handle(Request request, Response response) {
        response.header("Content-Type", "text/plain; charset=utf-8").write("warm " + request.param("x") + "\n");
    }
}
