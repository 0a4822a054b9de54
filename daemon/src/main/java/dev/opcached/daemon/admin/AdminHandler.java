package dev.opcached.daemon.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.opcached.protocol.admin.AdminMessages;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One admin connection: authenticates each request, routes it, runs it off the event loop (a
 * reset waits for the segment's lock) in arrival order, and answers JSON. Mutating calls are
 * audited. A failed authentication or a malformed request changes nothing.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(AdminHandler.class);
    private static final Logger AUDIT = LoggerFactory.getLogger("audit");

    /** path → the one method it answers, and whether it changes the cache. */
    private static final Map<String, HttpMethod> ROUTES = Map.of(
            "/status", HttpMethod.GET,
            "/configuration", HttpMethod.GET,
            "/reset", HttpMethod.POST,
            "/invalidate", HttpMethod.POST,
            "/compile", HttpMethod.POST,
            "/stat/clear", HttpMethod.POST);

    private final AdminOperations operations;
    private final TokenAuthenticator authenticator;
    private final ObjectMapper json;
    private final Executor executor;
    private CompletableFuture<?> previous = CompletableFuture.completedFuture(null);
    /** Answers not yet written; an idle connection is closed only when there are none. */
    private final java.util.concurrent.atomic.AtomicInteger unanswered = new java.util.concurrent.atomic.AtomicInteger();

    AdminHandler(AdminOperations operations, TokenAuthenticator authenticator, ObjectMapper json, Executor executor) {
        this.operations = operations;
        this.authenticator = authenticator;
        this.json = json;
        this.executor = executor;
    }

    /** An answer: status and JSON body. */
    private record Answer(HttpResponseStatus status, Object body) {
    }

    /** A request the client got wrong: a 400 and a sentence. */
    private static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message);
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        String remote = remoteAddress(ctx);
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            respond(ctx, new Answer(HttpResponseStatus.BAD_REQUEST, error("malformed HTTP request")), false);
            return;
        }
        if (!authenticator.authenticate(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
            long delay = authenticator.failed(remote, System.currentTimeMillis());
            LOG.warn("admin: authentication failed from {} for {} {}", remote, request.method(), safe(request.uri()));
            FullHttpResponse unauthorized = json(new Answer(HttpResponseStatus.UNAUTHORIZED, error("unauthorized")), false);
            unauthorized.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
            unanswered.incrementAndGet();
            ctx.executor().schedule(() -> ctx.writeAndFlush(unauthorized).addListener(ChannelFutureListener.CLOSE),
                    delay, TimeUnit.MILLISECONDS);
            return;
        }
        authenticator.succeeded(remote);
        String path = new QueryStringDecoder(request.uri()).path();
        HttpMethod method = ROUTES.get(path);
        if (method == null) {
            respond(ctx, new Answer(HttpResponseStatus.NOT_FOUND, error("no such call: " + safe(path))), keepAlive);
            return;
        }
        if (!method.equals(request.method())) {
            FullHttpResponse response = json(new Answer(HttpResponseStatus.METHOD_NOT_ALLOWED,
                    error(path + " answers " + method + " only")), keepAlive);
            response.headers().set(HttpHeaderNames.ALLOW, method.name());
            ctx.writeAndFlush(response).addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
            return;
        }
        boolean scripts = "1".equals(param(request, "scripts"));
        byte[] body = new byte[request.content().readableBytes()];
        request.content().getBytes(request.content().readerIndex(), body);
        unanswered.incrementAndGet();
        previous = previous.handle((ignored, failure) -> null).thenApplyAsync(
                ignored -> run(path, scripts, body, remote), executor)
                .thenAccept(answer -> {
                    unanswered.decrementAndGet();
                    respond(ctx, answer, keepAlive);
                });
    }

    private Answer run(String path, boolean scripts, byte[] body, String remote) {
        String arguments = body.length == 0 ? "" : " " + safe(new String(body, StandardCharsets.UTF_8));
        boolean mutating = !path.equals("/status") && !path.equals("/configuration");
        try {
            Object result = switch (path) {
                case "/status" -> operations.status(scripts);
                case "/configuration" -> operations.configuration();
                case "/reset" -> operations.reset();
                case "/invalidate" -> operations.invalidate(parse(body, AdminMessages.InvalidateRequest.class));
                case "/compile" -> operations.compile(parse(body, AdminMessages.CompileRequest.class));
                case "/stat/clear" -> operations.statClear();
                default -> throw new IllegalStateException("unrouted " + path);
            };
            if (mutating) {
                AUDIT.info("{} POST {}{} -> 200 {}", remote, path, arguments, safe(json.writeValueAsString(result)));
            }
            return new Answer(HttpResponseStatus.OK, result);
        } catch (BadRequest | IllegalArgumentException e) {
            if (mutating) {
                AUDIT.info("{} POST {}{} -> 400 {}", remote, path, arguments, e.getMessage());
            }
            return new Answer(HttpResponseStatus.BAD_REQUEST, error(e.getMessage()));
        } catch (Exception e) {
            LOG.error("admin: {} failed", path, e);
            if (mutating) {
                AUDIT.info("{} POST {}{} -> 500 {}", remote, path, arguments, e.toString());
            }
            return new Answer(HttpResponseStatus.INTERNAL_SERVER_ERROR, error(path + " failed: " + e.getMessage()));
        }
    }

    private <T> T parse(byte[] body, Class<T> type) {
        if (body.length == 0) {
            throw new BadRequest("a JSON body is required");
        }
        try {
            T value = json.readValue(body, type);
            if (value == null) {
                throw new BadRequest("a JSON object is required");
            }
            return value;
        } catch (JsonProcessingException e) {
            throw new BadRequest("malformed or unexpected JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new BadRequest("unreadable body: " + e.getMessage());
        }
    }

    private static String param(FullHttpRequest request, String name) {
        List<String> values = new QueryStringDecoder(request.uri()).parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static AdminMessages.ErrorResponse error(String message) {
        return new AdminMessages.ErrorResponse(message);
    }

    private void respond(ChannelHandlerContext ctx, Answer answer, boolean keepAlive) {
        ctx.writeAndFlush(json(answer, keepAlive))
                .addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
    }

    private FullHttpResponse json(Answer answer, boolean keepAlive) {
        byte[] body;
        try {
            body = json.writeValueAsBytes(answer.body());
        } catch (JsonProcessingException e) {
            body = ("{\"error\":\"cannot encode the answer\"}").getBytes(StandardCharsets.UTF_8);
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, answer.status(),
                Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        HttpUtil.setContentLength(response, body.length);
        HttpUtil.setKeepAlive(response, keepAlive);
        return response;
    }

    private static String remoteAddress(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress address
                ? address.getAddress().getHostAddress() : String.valueOf(ctx.channel().remoteAddress());
    }

    /** Log-safe: no control characters, bounded. */
    private static String safe(String text) {
        String clean = text.replaceAll("\\p{Cntrl}", "?");
        return clean.length() > 512 ? clean.substring(0, 512) + "…" : clean;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            if (unanswered.get() == 0) {
                ctx.close();
            }
        } else {
            super.userEventTriggered(ctx, event);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("admin connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
