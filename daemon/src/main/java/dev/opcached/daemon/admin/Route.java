package dev.opcached.daemon.admin;

import dev.opcached.protocol.admin.AdminMessages;
import io.netty.handler.codec.http.HttpMethod;
import java.util.List;

/**
 * One call of the admin endpoint: its method, its path, what it does, and whether it changes the
 * cache (then it is audited and runs on the executor of changes). {@link #TABLE} is the one list
 * of calls, read by the handler, the audit log and the documentation test.
 *
 * @param changesCache whether the call changes the cache (a mutating call)
 */
record Route(HttpMethod method, String path, boolean changesCache, Call call) {

    /** What a route does with the pool's operations and the request's arguments. */
    @FunctionalInterface
    interface Call {
        /**
         * The answer's body (encoded as JSON), a {@link StreamedAnswer} to send as JSON lines, or
         * a {@link dev.opcached.daemon.metrics.PoolMetrics.Scrape} to send as it is.
         */
        Object run(AdminOperations operations, AdminCall request);
    }

    /** Every call, in the order docs/admin-api.md lists them. */
    static final List<Route> TABLE = List.of(
            new Route(HttpMethod.GET, "/status", false,
                    (operations, request) -> operations.status("1".equals(request.parameter("scripts")))),
            new Route(HttpMethod.GET, "/configuration", false, (operations, request) -> operations.configuration()),
            new Route(HttpMethod.GET, "/metrics", false,
                    (operations, request) -> operations.metrics().scrape(request.accept())),
            new Route(HttpMethod.POST, "/reset", true,
                    (operations, request) -> operations.reset(!"0".equals(request.parameter("compile")))),
            new Route(HttpMethod.POST, "/invalidate", true,
                    (operations, request) -> operations.invalidate(request.body(AdminMessages.InvalidateRequest.class))),
            new Route(HttpMethod.POST, "/compile", true, (operations, request) -> {
                CompileJob job = operations.compile(request.body(AdminMessages.CompileRequest.class));
                return request.wantsOneObject() ? job.produce(line -> { }) : job;
            }),
            new Route(HttpMethod.POST, "/stat/clear", true, (operations, request) -> operations.statClear()));

    /** The route of {@code path}, or null. */
    static Route of(String path) {
        for (Route route : TABLE) {
            if (route.path().equals(path)) {
                return route;
            }
        }
        return null;
    }
}
