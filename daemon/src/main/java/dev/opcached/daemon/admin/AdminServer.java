package dev.opcached.daemon.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.opcached.daemon.config.HostPort;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin endpoint: Netty HTTP (HTTPS when a certificate is configured) in the supervisor.
 * Bodies over {@link #MAX_BODY} get 413; idle connections are closed.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    static final int MAX_BODY = 64 * 1024;

    private final EventLoopGroup group;
    private final ExecutorService operationsThreads;
    private final Channel channel;

    private AdminServer(EventLoopGroup group, ExecutorService operationsThreads, Channel channel) {
        this.group = group;
        this.operationsThreads = operationsThreads;
        this.channel = channel;
    }

    /** Binds {@code address}; {@code tls} null for plain HTTP. */
    public static AdminServer start(HostPort address, String token, AdminOperations operations, SslContext tls,
                                    int idleSeconds) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        ExecutorService operationsThreads = Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "admin");
            thread.setDaemon(true);
            return thread;
        });
        TokenAuthenticator authenticator = new TokenAuthenticator(token);
        ObjectMapper json = new ObjectMapper();
        try {
            Channel channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (tls != null) {
                                ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                            }
                            ch.pipeline().addLast(
                                    new IdleStateHandler(0, 0, idleSeconds),
                                    new HttpServerCodec(4096, 8192, 8192),
                                    new HttpObjectAggregator(MAX_BODY),
                                    new AdminHandler(operations, authenticator, json, operationsThreads));
                        }
                    })
                    .bind(address.toSocketAddress()).sync().channel();
            LOG.info("admin endpoint on {}://{}", tls == null ? "http" : "https",
                    new HostPort(address.host(), ((InetSocketAddress) channel.localAddress()).getPort()));
            return new AdminServer(group, operationsThreads, channel);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            operationsThreads.shutdownNow();
            throw e;
        }
    }

    /** The port it listens on (useful when started on port 0). */
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        operationsThreads.shutdownNow();
    }
}
