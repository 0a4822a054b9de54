package dev.opcached.daemon.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.stream.ChunkedInput;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The body of a streamed answer (application/x-ndjson): lines queued by the thread that computes
 * the answer, taken by Netty's ChunkedWriteHandler only while the channel is writable. The
 * producer never waits for the client: lines the socket has not taken yet wait here (at most the
 * whole answer, as a single JSON object would), and once the channel is closed every line is
 * dropped, so that a client that goes away never stops or slows what produces them.
 */
final class NdjsonBody implements ChunkedInput<ByteBuf> {
    /** Lines are coalesced into chunks of about this many bytes. */
    private static final int CHUNK_BYTES = 16 * 1024;

    private final Queue<byte[]> lines = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean offeredSinceAsked = new AtomicBoolean();
    private volatile boolean ended;
    private volatile boolean closed;
    private long written;

    /**
     * Queues one line (its bytes end with a newline); false when it was dropped: the channel has
     * gone, or the last line is queued already (a line offered late from another thread, such as a
     * keep-alive line, never follows the last one).
     */
    synchronized boolean offer(byte[] line) {
        if (closed || ended) {
            return false;
        }
        lines.add(line);
        offeredSinceAsked.set(true);
        return true;
    }

    /** Queues the last line and ends the body; false when the channel has gone. */
    synchronized boolean offerLast(byte[] line) {
        boolean queued = offer(line);
        ended = true;
        return queued;
    }

    /** Whether no line was offered since the last call (for a keep-alive line). */
    boolean idleSinceAsked() {
        return !offeredSinceAsked.getAndSet(false);
    }

    /** No line comes after those queued (a no-op after {@link #offerLast}). */
    synchronized void end() {
        ended = true;
    }

    /** Whether the channel has gone: what is offered now goes nowhere. */
    boolean closed() {
        return closed;
    }

    @Override
    public boolean isEndOfInput() {
        return ended && lines.isEmpty();
    }

    @Override
    public void close() {
        closed = true;
        lines.clear();
    }

    @Deprecated
    @Override
    public ByteBuf readChunk(ChannelHandlerContext ctx) {
        return readChunk(ctx.alloc());
    }

    /**
     * The lines queued so far, up to about {@link #CHUNK_BYTES}; null when none is
     * (ChunkedWriteHandler then waits to be resumed).
     */
    @Override
    public ByteBuf readChunk(ByteBufAllocator allocator) {
        byte[] first = lines.poll();
        if (first == null) {
            return null;
        }
        ByteBuf chunk = allocator.buffer(Math.max(first.length, CHUNK_BYTES));
        chunk.writeBytes(first);
        for (byte[] next; chunk.readableBytes() < CHUNK_BYTES && (next = lines.poll()) != null; ) {
            chunk.writeBytes(next);
        }
        written += chunk.readableBytes();
        return chunk;
    }

    @Override
    public long length() {
        return -1;
    }

    @Override
    public long progress() {
        return written;
    }
}
