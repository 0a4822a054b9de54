package dev.opcached.daemon.worker;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;

/**
 * First in a connection's pipeline: while closed, no read reaches the socket, not even the ones a
 * decoder asks for to finish a message it has begun (HttpObjectAggregator does), so that a
 * connection's pipelined requests are bounded by pausing reads rather than by closing it.
 */
final class ReadGate extends ChannelDuplexHandler {
    private boolean open = true;
    private boolean readAsked;

    /** Stops reading (idempotent). Call on the channel's event loop. */
    void close(ChannelHandlerContext any) {
        if (open) {
            open = false;
            any.channel().config().setAutoRead(false);
        }
    }

    /** Reads again, including a read asked for while closed. Call on the channel's event loop. */
    void open(ChannelHandlerContext any) {
        if (!open) {
            open = true;
            any.channel().config().setAutoRead(true);
            if (readAsked) {
                readAsked = false;
                any.channel().read();
            }
        }
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (open) {
            ctx.read();
        } else {
            readAsked = true;
        }
    }
}
