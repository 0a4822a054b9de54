package dev.opcached.daemon.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.opcached.daemon.metrics.PoolMetrics;
import dev.opcached.daemon.runtime.SegmentFault;
import dev.opcached.protocol.admin.AdminMessages;
import dev.opcached.protocol.common.LogText;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One admin connection: answers the dashboard's files ({@link DashboardFiles}, no token),
 * authenticates every other request, routes it through {@link Route#TABLE}, runs
 * it off the event loop (reads and changes on their own executors), and answers JSON strictly in
 * the order the requests came, whatever the answer (a 401, 404 or 405 waits for the calls before
 * it). A call that returns a {@link StreamedAnswer} is answered with JSON lines as they come
 * (application/x-ndjson, chunked); the next call of the connection runs once it has produced its
 * last line. A queued call whose caller has gone is not run. Calls that change the cache are audited.
 * A failed authentication or a malformed request changes nothing. Whatever a call throws, its
 * caller gets an answer: 503 with Retry-After while the segment is lost (the supervisor is
 * replacing it), 500 for anything else.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(AdminHandler.class);
    private static final Logger AUDIT = LoggerFactory.getLogger("audit");
    /** A connection with this many calls unanswered is not read from until one is answered. */
    static final int MAX_PENDING_PER_CONNECTION = 16;
    /** The answer while the segment's file is lost: the supervisor creates a new one within its next check. */
    static final String SEGMENT_LOST = "the segment was lost; the supervisor is replacing it";
    /** Seconds a caller waits before asking again while the segment is replaced. */
    private static final String SEGMENT_LOST_RETRY_AFTER = "1";
    /**
     * A stream that has sent no line for this long sends its "still working" line, so that a
     * client's idle timeout means a dead server, not a long batch.
     */
    static final long STILL_WORKING_SECONDS = 5;
    static final String NDJSON = "application/x-ndjson";

    private final AdminOperations operations;
    private final TokenAuthenticator authenticator;
    private final ObjectMapper json;
    private final PoolMetrics metrics;
    private final Executor reads;
    private final Executor changes;
    private final DashboardFiles dashboard;
    /** Completes when the previous request's answer has been written: each answer waits for it. */
    private CompletableFuture<Void> previous = CompletableFuture.completedFuture(null);
    /** Answers not yet written (event loop only); an idle connection is closed only when there are none. */
    private int unanswered;
    /** An answer that closes the connection is queued: later requests are dropped. */
    private boolean closing;

    AdminHandler(AdminOperations operations, TokenAuthenticator authenticator, ObjectMapper json,
                 Executor reads, Executor changes, DashboardFiles dashboard) {
        this.operations = operations;
        this.authenticator = authenticator;
        this.json = json;
        this.metrics = operations.metrics();
        this.reads = reads;
        this.changes = changes;
        this.dashboard = dashboard;
    }

    /**
     * An answer: status, JSON body and extra headers; {@code close} ends the connection after it.
     * {@code streamed} is the write of a streamed answer's lines, already under way (no body then).
     */
    private record Answer(HttpResponseStatus status, Object body, Map<CharSequence, String> headers, boolean close,
                          ChannelFuture streamed) {
        Answer(HttpResponseStatus status, Object body, Map<CharSequence, String> headers, boolean close) {
            this(status, body, headers, close, null);
        }

        Answer(HttpResponseStatus status, Object body) {
            this(status, body, Map.of(), false);
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (closing) {
            return; // pipelined behind an answer that closes the connection: never run
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        Supplier<CompletableFuture<Answer>> answer = answerOf(ctx, request, keepAlive);
        queue(ctx, keepAlive, routeLabel(request), answer);
    }

    /** What answers {@code request}, started once every earlier answer of this connection is written. */
    private Supplier<CompletableFuture<Answer>> answerOf(ChannelHandlerContext ctx, FullHttpRequest request,
                                                        boolean keepAlive) {
        if (!request.decoderResult().isSuccess()) {
            closing = true;
            return now(new Answer(HttpResponseStatus.BAD_REQUEST, error("malformed HTTP request"), Map.of(), true));
        }
        FullHttpResponse dashboardFile = dashboard.answer(request);
        if (dashboardFile != null) {
            // The page and its assets hold no figure: no token. Still queued, so answers keep their order.
            return now(new Answer(dashboardFile.status(), dashboardFile));
        }
        String remote = remoteAddress(ctx);
        TokenAuthenticator.Access access = authenticator.access(request.headers().get(HttpHeaderNames.AUTHORIZATION));
        if (access == TokenAuthenticator.Access.NONE) {
            closing = true;
            metrics.authenticationFailed();
            long delay = authenticator.failed(remote, System.currentTimeMillis());
            LOG.warn("admin: authentication failed from {} for {} {}", remote, LogText.escape(request.method().name()),
                    LogText.escape(request.uri()));
            Answer unauthorized = new Answer(HttpResponseStatus.UNAUTHORIZED, error("unauthorized"),
                    Map.of(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer"), true);
            if (delay == 0) {
                return now(unauthorized);
            }
            return () -> {
                CompletableFuture<Answer> delayed = new CompletableFuture<>();
                ctx.executor().schedule(() -> delayed.complete(unauthorized), delay, TimeUnit.MILLISECONDS);
                return delayed;
            };
        }
        authenticator.succeeded(remote);
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        Route route = Route.of(uri.path());
        if (route == null) {
            return now(new Answer(HttpResponseStatus.NOT_FOUND, error("no such call: " + uri.path())));
        }
        if (!route.method().equals(request.method())) {
            return now(new Answer(HttpResponseStatus.METHOD_NOT_ALLOWED,
                    error(route.path() + " answers " + route.method() + " only"),
                    Map.of(HttpHeaderNames.ALLOW, route.method().name()), false));
        }
        if (route.changesCache() && access != TokenAuthenticator.Access.FULL) {
            String refused = "this token may only read (the metrics token): " + route.path() + " changes the cache";
            AUDIT.info("{} {} {} -> 403 {}", remote, route.method(), route.path(), refused);
            return now(new Answer(HttpResponseStatus.FORBIDDEN, error(refused)));
        }
        AdminCall call = new AdminCall(uri.parameters(), ByteBufUtil.getBytes(request.content()),
                request.headers().get(HttpHeaderNames.ACCEPT));
        return () -> submit(ctx, route, call, remote, keepAlive);
    }

    private static Supplier<CompletableFuture<Answer>> now(Answer answer) {
        return () -> CompletableFuture.completedFuture(answer);
    }

    /** The route a request is counted under in the metrics: one of the endpoint's paths, or "other". */
    private static String routeLabel(FullHttpRequest request) {
        Route route = request.decoderResult().isSuccess() ? Route.of(new QueryStringDecoder(request.uri()).path()) : null;
        return route == null ? "other" : route.path();
    }

    /** Queues an answer behind every earlier one of this connection; it is counted under {@code route} once written. */
    private void queue(ChannelHandlerContext ctx, boolean keepAlive, String route,
                       Supplier<CompletableFuture<Answer>> answer) {
        if (!keepAlive) {
            closing = true;
        }
        unanswered++;
        if (unanswered >= MAX_PENDING_PER_CONNECTION) {
            ctx.channel().config().setAutoRead(false);
        }
        previous = previous
                .thenCompose(ignored -> answer.get())
                .thenAcceptAsync(reply -> {
                    write(ctx, reply, keepAlive);
                    if (reply != null) {
                        metrics.adminRequest(route, reply.status().code());
                    }
                }, ctx.executor())
                .exceptionally(failure -> {
                    LOG.warn("admin connection {}: cannot answer: {}", remoteAddress(ctx), LogText.escape(failure.toString()));
                    ctx.close();
                    return null;
                });
    }

    private CompletableFuture<Answer> submit(ChannelHandlerContext ctx, Route route, AdminCall call, String remote,
                                             boolean keepAlive) {
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        try {
            (route.changesCache() ? changes : reads).execute(() -> {
                try {
                    answer.complete(run(ctx, route, call, remote, keepAlive));
                } catch (Throwable e) {
                    answer.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            String reason = route.changesCache()
                    ? "too many changes are waiting (at most " + AdminExecutors.MAX_QUEUED_CHANGES + "); retry once they are done"
                    : "too many calls are waiting (at most " + AdminExecutors.MAX_QUEUED_READS + "); retry later";
            audit(route, call, remote, "503 " + reason);
            answer.complete(new Answer(HttpResponseStatus.SERVICE_UNAVAILABLE, error(reason)));
        }
        return answer;
    }

    private Answer run(ChannelHandlerContext ctx, Route route, AdminCall call, String remote, boolean keepAlive) {
        if (!ctx.channel().isActive()) {
            // The caller gave up (timed out, or closed): a change it no longer waits for must not happen later.
            audit(route, call, remote, "not run: the caller had gone before its turn");
            return null;
        }
        try {
            Object result = route.call().run(operations, call);
            if (result instanceof StreamedAnswer streamed) {
                return stream(ctx, route, call, remote, streamed, keepAlive);
            }
            if (route.changesCache()) {
                audit(route, call, remote, "200 " + json.writeValueAsString(result));
            }
            return new Answer(HttpResponseStatus.OK, result);
        } catch (AdminCall.BadRequest | IllegalArgumentException e) {
            audit(route, call, remote, "400 " + e.getMessage());
            return new Answer(HttpResponseStatus.BAD_REQUEST, error(e.getMessage()));
        } catch (Throwable e) {
            // Errors too: a fault on a truncated mapping is an InternalError, and an unanswered call
            // would leave its caller with a reset connection instead of an answer.
            if (SegmentFault.isSegmentLost(e)) {
                LOG.warn("admin: {} answered 503: {}", route.path(), LogText.escape(e.toString()));
                audit(route, call, remote, "503 " + SEGMENT_LOST);
                return new Answer(HttpResponseStatus.SERVICE_UNAVAILABLE, error(SEGMENT_LOST),
                        Map.of(HttpHeaderNames.RETRY_AFTER, SEGMENT_LOST_RETRY_AFTER), false);
            }
            LOG.error("admin: {} failed: {} at {}", route.path(), LogText.escape(e.toString()),
                    e.getStackTrace().length > 0 ? e.getStackTrace()[0] : "?");
            audit(route, call, remote, "500 " + e);
            return new Answer(HttpResponseStatus.INTERNAL_SERVER_ERROR, error(route.path() + " failed: " + e.getMessage()));
        }
    }

    /**
     * Sends {@code streamed}'s lines as it produces them (on this, the call's thread). Whatever
     * happens to the connection, it is produced to the end: once the channel is closed its lines go
     * nowhere, so a client that leaves never interrupts the work half done. A failure after the
     * first line can only be told as a line ({@code {"type":"error",...}}), and is the last.
     */
    private Answer stream(ChannelHandlerContext ctx, Route route, AdminCall call, String remote,
                          StreamedAnswer streamed, boolean keepAlive) {
        ChunkedWriteHandler chunks = ctx.pipeline().get(ChunkedWriteHandler.class);
        if (chunks == null) {
            throw new IllegalStateException("the admin pipeline has no ChunkedWriteHandler to stream with");
        }
        NdjsonBody body = new NdjsonBody();
        ChannelPromise written = ctx.newPromise();
        ctx.executor().execute(() -> {
            // On a closed channel these writes fail at once and the body is closed: its lines are dropped.
            ctx.write(streamHead(keepAlive));
            ctx.writeAndFlush(new HttpChunkedInput(body), written);
        });
        Consumer<Object> lines = line -> {
            if (body.offer(line(line))) {
                chunks.resumeTransfer();
            }
        };
        ScheduledFuture<?> stillWorking = ctx.executor().scheduleAtFixedRate(() -> {
            if (body.idleSinceAsked()) {
                lines.accept(streamed.stillWorking());
            }
        }, STILL_WORKING_SECONDS, STILL_WORKING_SECONDS, TimeUnit.SECONDS);
        try {
            byte[] last = line(streamed.produce(lines));
            body.offerLast(last);
            audit(route, call, remote, "200 streamed, last line " + new String(last, StandardCharsets.UTF_8).strip()
                    + (body.closed() ? " (the caller had gone: its lines were dropped)" : ""));
        } catch (Throwable e) {
            String reason = SegmentFault.isSegmentLost(e) ? SEGMENT_LOST : route.path() + " failed: " + e.getMessage();
            LOG.error("admin: {} failed while streaming: {}", route.path(), LogText.escape(e.toString()));
            audit(route, call, remote, "500 after the first line: " + e);
            body.offerLast(line(new AdminMessages.CompileError(reason)));
        } finally {
            stillWorking.cancel(false);
            body.end();
            chunks.resumeTransfer(); // takes the last line, or the end of the body
        }
        return new Answer(HttpResponseStatus.OK, null, Map.of(), false, written);
    }

    /** The head of a streamed answer: 200, chunked JSON lines. */
    private static HttpResponse streamHead(boolean keepAlive) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, NDJSON);
        head.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        HttpUtil.setTransferEncodingChunked(head, true);
        HttpUtil.setKeepAlive(head, keepAlive);
        return head;
    }

    /** One line of a streamed answer: its JSON (which never holds a raw newline) and a newline. */
    private byte[] line(Object value) {
        byte[] encoded;
        try {
            encoded = json.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            encoded = "{\"type\":\"error\",\"error\":\"cannot encode a line of the answer\"}".getBytes(StandardCharsets.UTF_8);
        }
        byte[] line = Arrays.copyOf(encoded, encoded.length + 1);
        line[encoded.length] = '\n';
        return line;
    }

    /** One audit line per call that changes the cache; everything from the request in it is escaped. */
    private static void audit(Route route, AdminCall call, String remote, String outcome) {
        if (route.changesCache()) {
            String body = call.bodyText();
            AUDIT.info("{} {} {}{} -> {}", remote, route.method(), route.path(),
                    body.isEmpty() ? "" : " " + LogText.escape(body), LogText.escape(outcome));
        }
    }

    private static AdminMessages.ErrorResponse error(String message) {
        return new AdminMessages.ErrorResponse(message);
    }

    private void write(ChannelHandlerContext ctx, Answer answer, boolean keepAlive) {
        unanswered--;
        if (!ctx.channel().config().isAutoRead() && unanswered < MAX_PENDING_PER_CONNECTION) {
            ctx.channel().config().setAutoRead(true);
        }
        boolean close = answer != null && answer.close() || !keepAlive;
        if (answer != null && answer.streamed() != null) {
            // Written already, or being written: the connection ends (or fails) after its last chunk.
            answer.streamed().addListener(close ? ChannelFutureListener.CLOSE : ChannelFutureListener.CLOSE_ON_FAILURE);
            return;
        }
        if (answer == null || !ctx.channel().isActive()) {
            return;
        }
        ctx.writeAndFlush(response(answer, !close))
                .addListener(close ? ChannelFutureListener.CLOSE : ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    private FullHttpResponse response(Answer answer, boolean keepAlive) {
        if (answer.body() instanceof FullHttpResponse file) { // a dashboard file: complete as it is
            HttpUtil.setKeepAlive(file, keepAlive);
            return file;
        }
        byte[] body;
        String contentType = "application/json";
        if (answer.body() instanceof PoolMetrics.Scrape scrape) {
            body = scrape.body();
            contentType = scrape.contentType();
        } else {
            try {
                body = json.writeValueAsBytes(answer.body());
            } catch (JsonProcessingException e) {
                body = ("{\"error\":\"cannot encode the answer\"}").getBytes(StandardCharsets.UTF_8);
            }
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, answer.status(),
                Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        answer.headers().forEach(response.headers()::set);
        HttpUtil.setContentLength(response, body.length);
        HttpUtil.setKeepAlive(response, keepAlive);
        return response;
    }

    private static String remoteAddress(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress address
                ? address.getAddress().getHostAddress() : String.valueOf(ctx.channel().remoteAddress());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            if (unanswered == 0) {
                ctx.close();
            }
        } else {
            super.userEventTriggered(ctx, event);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("admin connection {} failed: {}", remoteAddress(ctx), LogText.escape(cause.toString()));
        ctx.close();
    }
}
