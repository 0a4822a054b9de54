package dev.opcached.daemon.worker;

import dev.opcached.daemon.runtime.BufferedResponse;
import dev.opcached.daemon.runtime.ProcessFitness;
import dev.opcached.daemon.runtime.ScriptOutcome;
import dev.opcached.daemon.runtime.SegmentFault;
import dev.opcached.protocol.common.LogText;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpContentException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's requests, answered in the order they came (HTTP/1.1 pipelining): each runs on
 * the event loop or the request threads ({@link RequestExecutor}), and the next starts once the
 * previous answer is written out. Requests waiting their turn are bounded by pausing reads
 * ({@link ReadGate}), also while the client does not read its answers; every request that is read
 * gets an answer.
 */
final class ScriptHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(ScriptHandler.class);
    /** Requests read ahead of the one being answered before reads pause. */
    static final int MAX_WAITING = 16;
    /** Bytes of request bodies read ahead before reads pause. */
    static final long MAX_WAITING_BYTES = 1 << 20;
    /** Bodies up to this size go out in one write; larger ones a slice at a time, as the client reads. */
    static final int SLICE = 64 * 1024;

    private final WorkerContext worker;
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
    private long waitingBytes;
    /** A request is being answered: its script runs, or its answer is being written. */
    private boolean busy;
    /** Its script runs (a connection is not idle then, however long it takes). */
    private boolean scriptRunning;
    private ReadGate gate;
    /** The answer being made has started going out: too late to replace it by a 500. */
    private boolean headWritten;
    /** For the access log, only while it is on: the client's address (once a connection), the request's fields. */
    private String client;
    private String protocol;
    private String referer;
    private String userAgent;

    ScriptHandler(WorkerContext worker) {
        this.worker = worker;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        gate = ctx.pipeline().get(ReadGate.class);
        worker.retirement().activity();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        worker.retirement().activity();
        waiting.add(request.retain());
        waitingBytes += request.content().readableBytes();
        if (!busy) {
            runNext(ctx);
        }
        updateReading(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        updateReading(ctx);
        super.channelWritabilityChanged(ctx);
    }

    /** Whether an earlier request is still to be answered, or waits its turn. Call on the event loop. */
    boolean owesAnswers() {
        return busy || !waiting.isEmpty();
    }

    /** Reads only while answers drain and few requests wait. */
    private void updateReading(ChannelHandlerContext ctx) {
        if (gate == null) {
            return;
        }
        if (ctx.channel().isWritable() && waiting.size() < MAX_WAITING && waitingBytes < MAX_WAITING_BYTES) {
            gate.open(ctx);
        } else {
            gate.close(ctx);
        }
    }

    private void runNext(ChannelHandlerContext ctx) {
        FullHttpRequest request = waiting.poll();
        if (request == null) {
            busy = false;
            updateReading(ctx);
            return;
        }
        waitingBytes -= request.content().readableBytes();
        busy = true;
        updateReading(ctx);
        try {
            handle(ctx, request);
        } finally {
            request.release();
        }
    }

    private void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        long started = System.nanoTime();
        String method = request.method().name();
        String uri = request.uri();
        if (worker.accessLog().on()) {
            protocol = request.protocolVersion().text();
            referer = request.headers().get(HttpHeaderNames.REFERER);
            userAgent = request.headers().get(HttpHeaderNames.USER_AGENT);
        }
        if (!request.decoderResult().isSuccess()) {
            // The decoder discards the rest of the connection after a bad message: close it.
            Throwable cause = request.decoderResult().cause();
            HttpResponseStatus status = cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                    : cause instanceof TooLongHttpHeaderException ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : cause instanceof TooLongHttpContentException ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE
                    : HttpResponseStatus.BAD_REQUEST;
            if (LOG.isDebugEnabled()) {
                LOG.debug("bad request from {}: {}", ctx.channel().remoteAddress(), LogText.escape(cause));
            }
            // No request line to log: the access log shows "-" for it.
            answer(ctx, plain(status), false, started, null, null, null);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        String path;
        try {
            QueryStringDecoder decoded = new QueryStringDecoder(uri);
            path = decoded.path();
            int query = uri.indexOf('?');
            if (query >= 0 && uri.indexOf('%', query) >= 0) {
                // Decoded now (rarely needed, cheap) rather than when the script asks, where a
                // malformed escape would be the script's exception and the client's 500.
                decoded.parameters();
            }
        } catch (IllegalArgumentException malformed) {
            // Malformed percent-encoding: the message itself was whole, so the connection goes on.
            answer(ctx, plain(HttpResponseStatus.BAD_REQUEST), keepAlive, started, method, uri, null);
            return;
        }
        Path file;
        try {
            file = worker.documentRoot().resolve(path);
        } catch (RuntimeException | Error e) {
            if (!SegmentFault.isSegmentLost(e)) {
                throw e;
            }
            segmentLost(e);
            answer(ctx, plain(HttpResponseStatus.SERVICE_UNAVAILABLE), keepAlive, started, method, uri, null);
            return;
        }
        if (file == null) {
            answer(ctx, plain(HttpResponseStatus.NOT_FOUND), keepAlive, started, method, uri, null);
            return;
        }
        HttpScriptRequest scriptRequest = new HttpScriptRequest(request, path, ctx.channel().remoteAddress());
        InFlightRequests.InFlight inFlight = worker.inFlight().begin(method, uri,
                timedOut -> ctx.executor().execute(() -> guarded(ctx, started, method, uri, timedOut,
                        () -> answer(ctx, plain(HttpResponseStatus.GATEWAY_TIMEOUT), false, started, method, uri,
                                timedOut))));
        scriptRunning = true;
        worker.executor().submit(ctx.channel(), file, scriptRequest, inFlight::scriptStarted, outcome -> {
            Runnable answering = () -> guarded(ctx, started, method, uri, inFlight, () -> {
                scriptRunning = false;
                if (inFlight.claimAnswer()) {
                    // First, so that an unfit worker's answer already says Connection: close.
                    afterFault(outcome);
                    answer(ctx, toHttp(outcome.response()), keepAlive, started, method, uri, inFlight);
                } else {
                    inFlight.finished();
                }
            });
            // Where the script ran on the loop itself, its answer goes out at once.
            if (ctx.executor().inEventLoop()) {
                answering.run();
            } else {
                ctx.executor().execute(answering);
            }
        });
    }

    /**
     * Runs an event-loop task that answers a request; whatever it throws (an answer Netty refuses,
     * an OutOfMemoryError) still ends in an answer, or at least a closed connection, and a
     * finished in-flight entry: Netty would only log it, leaving the client and a drain waiting.
     */
    private void guarded(ChannelHandlerContext ctx, long started, String method, String uri,
                         InFlightRequests.InFlight inFlight, Runnable task) {
        headWritten = false;
        try {
            task.run();
        } catch (Throwable failure) {
            scriptRunning = false;
            if (ProcessFitness.unfitAfter(failure)) {
                workerUnfit(failure);
            } else {
                LOG.error("answering {} {} failed: {}", method, LogText.escape(uri), LogText.escape(failure));
            }
            if (!headWritten) {
                try {
                    answer(ctx, plain(HttpResponseStatus.INTERNAL_SERVER_ERROR), false, started, method, uri,
                            inFlight);
                    return;
                } catch (Throwable again) {
                    LOG.error("answering 500 failed too: {}", LogText.escape(again));
                }
            }
            if (inFlight != null) {
                inFlight.finished();
            }
            ctx.close();
        }
    }

    private void afterFault(ScriptOutcome outcome) {
        switch (outcome.fault()) {
            case WORKER_UNFIT -> workerUnfit(outcome.cause());
            case SEGMENT_LOST -> segmentLost(outcome.cause());
            case NONE -> { }
        }
    }

    private void workerUnfit(Throwable cause) {
        LOG.error("{}: this worker cannot go on; retiring", LogText.escape(cause));
        worker.retirement().retire(cause.getClass().getSimpleName(), WorkerExit.FATAL_ERROR);
    }

    private void segmentLost(Throwable cause) {
        LOG.error("the segment faulted ({}): answering 503 until the supervisor replaces it",
                LogText.escape(cause));
        worker.reports().segmentLost();
    }

    /** One answer, as a whole or a slice at a time; the next request runs once it is written. */
    private void answer(ChannelHandlerContext ctx, Answer answer, boolean keepAlive, long started, String method,
                        String uri, InFlightRequests.InFlight inFlight) {
        boolean keep = keepAlive && !worker.retirement().retiring() && ctx.channel().isActive();
        HttpResponse head = answer.head();
        int length = answer.body().readableBytes();
        head.headers().set("X-Opcached-Worker", worker.pid());
        HttpUtil.setContentLength(head, length);
        HttpUtil.setKeepAlive(head, keep);
        if (worker.accessLog().on()) {
            worker.accessLog().log(client(ctx), method, uri, protocol, head.status().code(), length, referer,
                    userAgent, System.nanoTime() - started);
        }
        headWritten = true;
        ctx.write(head);
        ChannelFuture written = ctx.writeAndFlush(length <= SLICE ? new DefaultLastHttpContent(answer.body())
                : new HttpChunkedInput(new ByteBufChunks(answer.body(), SLICE)));
        written.addListener(done -> {
            // Counted before it leaves the in-flight set, so that a drain never exits before it is counted.
            if (worker.served().served(System.nanoTime() - started)) {
                worker.retirement().recycle();
            }
            if (inFlight != null) {
                inFlight.finished();
            }
            if (!done.isSuccess() || !keep) {
                ctx.close();
                return;
            }
            // Later, not now: a long pipeline of quick answers must not recurse on the stack.
            ctx.executor().execute(() -> runNext(ctx));
        });
    }

    /** The client's IP address, as the access log shows it; "-" for a channel of another kind. */
    private String client(ChannelHandlerContext ctx) {
        if (client == null) {
            client = ctx.channel().remoteAddress() instanceof InetSocketAddress address && address.getAddress() != null
                    ? address.getAddress().getHostAddress() : "-";
        }
        return client;
    }

    /** A status line with headers, and a body that the answer takes ownership of. */
    record Answer(HttpResponse head, ByteBuf body) {
    }

    static Answer plain(HttpResponseStatus status) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        return new Answer(head, Unpooled.copiedBuffer(status.code() + " " + status.reasonPhrase() + "\n",
                StandardCharsets.UTF_8));
    }

    static Answer toHttp(BufferedResponse script) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(script.status()));
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        script.headers().forEach((name, value) -> head.headers().set(name, value));
        return new Answer(head, Unpooled.wrappedBuffer(script.chunks().toArray(byte[][]::new)));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        waiting.forEach(FullHttpRequest::release);
        waiting.clear();
        waitingBytes = 0;
        super.channelInactive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            // Idle: no script runs and no byte moved either way (a client that stopped reading too).
            if (!scriptRunning) {
                ctx.close();
            }
        } else {
            super.userEventTriggered(ctx, event);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (SegmentFault.isSegmentLost(cause)) {
            // A fault in JIT-compiled code surfaces late, here rather than where the segment was read.
            segmentLost(cause);
        } else if (ProcessFitness.unfitAfter(cause)) {
            workerUnfit(cause);
        } else {
            if (LOG.isDebugEnabled()) {
                LOG.debug("connection {} failed: {}", ctx.channel().remoteAddress(), LogText.escape(cause));
            }
        }
        ctx.close();
    }
}
