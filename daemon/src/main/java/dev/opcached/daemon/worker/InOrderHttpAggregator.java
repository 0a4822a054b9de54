package dev.opcached.daemon.worker;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.TooLongHttpContentException;

/**
 * Netty's aggregator, but its own answers wait their turn like any other: the stock one writes
 * its 413 (and 100 Continue) straight to the channel, ahead of the answers still owed to the
 * requests pipelined before, which would pair every later answer with the wrong request.
 */
final class InOrderHttpAggregator extends HttpObjectAggregator {
    /** @param maxContentLength post_max_size: a larger body gets 413, in its turn, then the connection closes */
    InOrderHttpAggregator(int maxContentLength) {
        super(maxContentLength);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
        if (!(oversized instanceof HttpRequest request)) {
            super.handleOversizedMessage(ctx, oversized);
            return;
        }
        // A failed request, queued by the ScriptHandler like the others: it answers 413 and closes.
        FullHttpRequest tooLarge = new DefaultFullHttpRequest(request.protocolVersion(), request.method(),
                request.uri(), Unpooled.EMPTY_BUFFER);
        tooLarge.setDecoderResult(DecoderResult.failure(new TooLongHttpContentException(
                "request body larger than post_max_size=" + maxContentLength())));
        ctx.fireChannelRead(tooLarge);
    }

    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        // Behind unanswered requests, no interim answer (the client sends its body after a wait):
        // it would go out before theirs.
        ScriptHandler scripts = pipeline.get(ScriptHandler.class);
        return scripts != null && scripts.owesAnswers() ? null : super.newContinueResponse(start, maxContentLength,
                pipeline);
    }
}
