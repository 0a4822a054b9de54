package dev.opcached.daemon.worker;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ThreadPerTaskExecutor;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's HTTP server: its event loops (one that accepts, the others for the connections),
 * the listening socket (shared with the other workers through SO_REUSEPORT) and the heartbeat
 * those loops send.
 */
final class WorkerServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerServer.class);
    /**
     * Bytes queued on a connection beyond which it counts as not writable: reads pause and a large
     * answer waits for the client to read (Netty's defaults, named here because they bound memory).
     */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

    private final boolean epoll = Epoll.isAvailable();
    /** Accepts connections, and never runs a script: a loop inside one cannot stall accepting. */
    private final EventLoopGroup acceptor;
    private final LoopLoads loads = new LoopLoads();
    /** The connections' loops, chosen least loaded first. */
    private final EventLoopGroup group;

    /** @param loops the connections' event loops (opcached.worker_event_loops) */
    WorkerServer(int loops) {
        acceptor = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("accept", true), ioHandlers());
        group = new MultiThreadIoEventLoopGroup(loops, new ThreadPerTaskExecutor(new DefaultThreadFactory("http", true)),
                loads, ioHandlers());
    }

    private IoHandlerFactory ioHandlers() {
        return epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    /** The connections on each loop, and which loop runs a script. */
    LoopLoads loads() {
        return loads;
    }

    /** Listens on {@code address}; the channel, or an exception naming why it could not. */
    Channel listen(SocketAddress address, WorkerChannelInitializer initializer) throws InterruptedException {
        ServerBootstrap bootstrap = new ServerBootstrap().group(acceptor, group)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(initializer);
        if (epoll) {
            bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
        } else {
            LOG.warn("native epoll is not available ({}): no SO_REUSEPORT, this worker listens alone",
                    Epoll.unavailabilityCause().toString());
        }
        return bootstrap.bind(address).sync().channel();
    }

    /** "epoll, SO_REUSEPORT" or "nio", for the log. */
    String transport() {
        return epoll ? "epoll, SO_REUSEPORT" : "nio";
    }

    /** Starts the event loops' heartbeat on the report pipe. */
    void startHeartbeat(ReportPipe reports) {
        new Heartbeat(acceptor.next(), loads, reports).start();
    }

    @Override
    public void close() {
        acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
