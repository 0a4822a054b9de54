package dev.opcached.daemon.worker;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/** The pipeline of one worker connection: read gate, idle watch, HTTP codec, chunked writes, aggregation, scripts. */
final class WorkerChannelInitializer extends ChannelInitializer<SocketChannel> {
    /** Keep-alive connections idle this long (nothing read or written, no script running) are closed. */
    static final int IDLE_SECONDS = 60;
    /** A request line longer than this gets 414. */
    static final int MAX_REQUEST_LINE = 8192;
    /** Request headers larger than this get 431. */
    static final int MAX_HEADER_SIZE = 16384;
    /**
     * Requests the codec may hold unanswered. Reads pause long before that ({@link ScriptHandler}),
     * so this is only above what one read (64 KiB at most) can hold: Netty's default of 128 would
     * close a connection that pipelines more.
     */
    static final int MAX_PIPELINE_DEPTH = 8192;

    private final WorkerContext worker;
    private final int maxRequestBody;

    /** @param maxRequestBody post_max_size: a larger body gets 413 */
    WorkerChannelInitializer(WorkerContext worker, int maxRequestBody) {
        this.worker = worker;
        this.maxRequestBody = maxRequestBody;
    }

    @Override
    protected void initChannel(SocketChannel channel) {
        worker.executor().loads().track(channel);
        channel.pipeline().addLast(handlers());
    }

    /** A new connection's handlers, in pipeline order (also used by tests on an EmbeddedChannel). */
    io.netty.channel.ChannelHandler[] handlers() {
        return new io.netty.channel.ChannelHandler[] {
            new ReadGate(),
            new IdleStateHandler(true, 0, 0, IDLE_SECONDS, TimeUnit.SECONDS),
            new HttpServerCodec(new HttpDecoderConfig().setMaxInitialLineLength(MAX_REQUEST_LINE)
                    .setMaxHeaderSize(MAX_HEADER_SIZE), MAX_PIPELINE_DEPTH),
            new ChunkedWriteHandler(),
            new InOrderHttpAggregator(maxRequestBody),
            new ScriptHandler(worker)
        };
    }
}
