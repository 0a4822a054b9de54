package dev.opcached.daemon.admin;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.AsciiString;

/**
 * Puts the browser's security headers on every answer of the admin endpoint: the dashboard's
 * files, the JSON calls, their errors, streamed answers and the codec's own refusals (413) alike.
 * It sits next to the HTTP codec, so nothing written above it can leave without them. The policy
 * lets the page run only its own script and style files and talk only to its own origin; it
 * cannot be framed (clickjacking a reset button), and no data leaves through a referrer.
 */
@ChannelHandler.Sharable
final class SecurityHeaders extends ChannelOutboundHandlerAdapter {
    /**
     * uPlot needs nothing more: it styles its elements through the CSSOM (element.style), which
     * {@code style-src 'self'} allows, and draws on canvas.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
    // Netty names neither of these two.
    private static final AsciiString X_CONTENT_TYPE_OPTIONS = AsciiString.cached("x-content-type-options");
    private static final AsciiString REFERRER_POLICY = AsciiString.cached("referrer-policy");

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof HttpResponse response) {
            HttpHeaders headers = response.headers();
            headers.set(HttpHeaderNames.CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
            headers.set(HttpHeaderNames.X_FRAME_OPTIONS, "DENY");
            headers.set(X_CONTENT_TYPE_OPTIONS, "nosniff");
            headers.set(REFERRER_POLICY, "no-referrer");
        }
        super.write(ctx, msg, promise);
    }
}
