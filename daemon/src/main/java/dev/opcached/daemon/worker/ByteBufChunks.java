package dev.opcached.daemon.worker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.stream.ChunkedInput;

/**
 * A response body handed to the socket a slice at a time by Netty's ChunkedWriteHandler, which
 * writes only while the connection is writable: a client that does not read holds at most a
 * slice and the write buffer, not the body copied into socket buffers.
 */
final class ByteBufChunks implements ChunkedInput<ByteBuf> {
    private final ByteBuf body;
    private final int chunkSize;
    private final long length;

    /** Takes ownership of {@code body} (released when done). */
    ByteBufChunks(ByteBuf body, int chunkSize) {
        this.body = body;
        this.chunkSize = chunkSize;
        this.length = body.readableBytes();
    }

    @Override
    public boolean isEndOfInput() {
        return !body.isReadable();
    }

    @Override
    public void close() {
        body.release();
    }

    @Deprecated
    @Override
    public ByteBuf readChunk(ChannelHandlerContext ctx) {
        return readChunk(ctx.alloc());
    }

    @Override
    public ByteBuf readChunk(ByteBufAllocator allocator) {
        if (!body.isReadable()) {
            return null;
        }
        return body.readRetainedSlice(Math.min(chunkSize, body.readableBytes()));
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public long progress() {
        return length - body.readableBytes();
    }
}
