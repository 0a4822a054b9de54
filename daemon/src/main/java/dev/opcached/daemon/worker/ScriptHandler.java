package dev.opcached.daemon.worker;

import dev.opcached.daemon.runtime.BufferedResponse;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's requests, answered in the order they came (HTTP/1.1 pipelining): each runs on
 * the request threads, the next one starts when the previous response is written.
 */
final class ScriptHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger ACCESS = LoggerFactory.getLogger("access");
    private static final Logger LOG = LoggerFactory.getLogger(ScriptHandler.class);

    private final WorkerState worker;
    private final ArrayDeque<FullHttpRequest> pending = new ArrayDeque<>();
    private boolean running;

    ScriptHandler(WorkerState worker) {
        this.worker = worker;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        pending.add(request.retain());
        if (!running) {
            runNext(ctx);
        }
    }

    private void runNext(ChannelHandlerContext ctx) {
        FullHttpRequest request = pending.poll();
        if (request == null) {
            running = false;
            return;
        }
        running = true;
        long started = System.nanoTime();
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            request.release();
            write(ctx, plain(HttpResponseStatus.BAD_REQUEST, "400 Bad Request\n"), false, started, "?", "?", null);
            return;
        }
        String uri = request.uri();
        String path = new QueryStringDecoder(uri).path();
        String method = request.method().name();
        Path file = worker.documentRoot().resolve(path);
        if (file == null) {
            request.release();
            write(ctx, plain(HttpResponseStatus.NOT_FOUND, "404 Not Found\n"), keepAlive, started, method, uri, null);
            return;
        }
        HttpScriptRequest scriptRequest;
        try {
            scriptRequest = new HttpScriptRequest(request, path, String.valueOf(ctx.channel().remoteAddress()));
        } finally {
            request.release();
        }
        WorkerState.Running running = worker.started(ctx, method + " " + uri);
        worker.executor().submit(file, scriptRequest, response -> ctx.executor().execute(() -> {
            if (running.finish()) {
                write(ctx, toHttp(response), keepAlive, started, method, uri, running);
            }
        }));
    }

    private void write(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive, long started,
                       String method, String uri, WorkerState.Running running) {
        boolean keep = keepAlive && !worker.draining();
        response.headers().set("X-Opcached-Worker", worker.pid());
        HttpUtil.setContentLength(response, response.content().readableBytes());
        HttpUtil.setKeepAlive(response, keep);
        if (worker.accessLog()) {
            ACCESS.info("{} \"{} {}\" {} {} {}ms", ctx.channel().remoteAddress(), method, uri, response.status().code(),
                    response.content().readableBytes(), (System.nanoTime() - started) / 1_000_000);
        }
        ChannelFuture written = ctx.writeAndFlush(response);
        if (running != null) {
            written.addListener(done -> running.written());
        }
        if (keep) {
            written.addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            // Later, not now: a long pipeline of quick answers must not recurse on the stack.
            ctx.executor().execute(() -> runNext(ctx));
        } else {
            pending.forEach(FullHttpRequest::release);
            pending.clear();
            this.running = false;
            written.addListener(ChannelFutureListener.CLOSE);
        }
        worker.served();
    }

    static FullHttpResponse plain(HttpResponseStatus status, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        return response;
    }

    static FullHttpResponse toHttp(BufferedResponse script) {
        FullHttpResponse response = new DefaultFullHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(script.status()), Unpooled.wrappedBuffer(script.body()));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        script.headers().forEach((name, value) -> response.headers().set(name, value));
        return response;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        pending.forEach(FullHttpRequest::release);
        pending.clear();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            if (!running) {
                ctx.close();
            }
        } else {
            super.userEventTriggered(ctx, event);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
