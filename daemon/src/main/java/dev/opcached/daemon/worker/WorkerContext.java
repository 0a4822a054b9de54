package dev.opcached.daemon.worker;

import dev.opcached.daemon.accesslog.AccessLog;

/**
 * What the connections of one worker share: where scripts are and who runs them, the requests in
 * flight and served, how the worker retires and what it tells its supervisor.
 *
 * @param pid this process's id, sent in {@code X-Opcached-Worker}
 * @param accessLog access.log: one line per request, or {@link AccessLog#OFF}
 */
record WorkerContext(DocumentRoot documentRoot, RequestExecutor executor, InFlightRequests inFlight,
                     ServedRequests served, WorkerRetirement retirement, ReportPipe reports, String pid,
                     AccessLog accessLog) {
}
