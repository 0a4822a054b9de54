package dev.opcached.daemon.worker;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the connections of one worker share: its docroot and request threads, the requests in
 * flight (watched for request_terminate_timeout), and the count toward pm.max_requests.
 */
final class WorkerState {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerState.class);

    /** What the worker does when it must go: drain (recycle) or die (timeout). */
    interface Exits {
        void recycle();

        void requestTimedOut(String request);
    }

    private final String pid = Long.toString(ProcessHandle.current().pid());
    private final DocumentRoot documentRoot;
    private final RequestExecutor executor;
    private final boolean accessLog;
    private final long maxRequests;
    private final long requestTimeoutNanos;
    private final Exits exits;
    private final AtomicLong served = new AtomicLong();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final Set<Running> inFlight = ConcurrentHashMap.newKeySet();

    WorkerState(DocumentRoot documentRoot, RequestExecutor executor, boolean accessLog, long maxRequests,
                long requestTimeoutSeconds, Exits exits) {
        this.documentRoot = documentRoot;
        this.executor = executor;
        this.accessLog = accessLog;
        this.maxRequests = maxRequests;
        this.requestTimeoutNanos = requestTimeoutSeconds * 1_000_000_000L;
        this.exits = exits;
    }

    /** One request in flight; answered exactly once, by its script or by the timeout. */
    final class Running {
        private final ChannelHandlerContext ctx;
        private final String description;
        private final long startedAt = System.nanoTime();
        private final AtomicBoolean answered = new AtomicBoolean();

        private Running(ChannelHandlerContext ctx, String description) {
            this.ctx = ctx;
            this.description = description;
        }

        /** Claims the right to answer; false when the timeout already did. */
        boolean finish() {
            return answered.compareAndSet(false, true);
        }

        /** The answer is written out: a draining worker may now exit. */
        void written() {
            inFlight.remove(this);
        }
    }

    Running started(ChannelHandlerContext ctx, String description) {
        Running running = new Running(ctx, description);
        inFlight.add(running);
        return running;
    }

    /** Answers 504 to every request past request_terminate_timeout; the worker then goes. */
    void checkTimeouts() {
        if (requestTimeoutNanos <= 0) {
            return;
        }
        long now = System.nanoTime();
        for (Running running : inFlight) {
            if (now - running.startedAt > requestTimeoutNanos && running.answered.compareAndSet(false, true)) {
                inFlight.remove(running);
                LOG.error("{} ran past request_terminate_timeout ({} s); answering 504 and replacing this worker",
                        running.description, requestTimeoutNanos / 1_000_000_000L);
                FullHttpResponse response = ScriptHandler.plain(HttpResponseStatus.GATEWAY_TIMEOUT, "504 Gateway Timeout\n");
                response.headers().set("X-Opcached-Worker", pid);
                HttpUtil.setContentLength(response, response.content().readableBytes());
                HttpUtil.setKeepAlive(response, false);
                running.ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE)
                        .addListener(done -> exits.requestTimedOut(running.description));
            }
        }
    }

    void served() {
        long count = served.incrementAndGet();
        if (maxRequests > 0 && count >= maxRequests && draining.compareAndSet(false, true)) {
            LOG.info("served {} requests (pm.max_requests); recycling", count);
            exits.recycle();
        }
    }

    /** Stop taking new requests; responses say Connection: close. */
    void drain() {
        draining.set(true);
    }

    boolean draining() {
        return draining.get();
    }

    int inFlightCount() {
        return inFlight.size();
    }

    long servedCount() {
        return served.get();
    }

    String pid() {
        return pid;
    }

    DocumentRoot documentRoot() {
        return documentRoot;
    }

    RequestExecutor executor() {
        return executor;
    }

    boolean accessLog() {
        return accessLog;
    }
}
