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
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin endpoint: Netty HTTP (HTTPS when a certificate is configured) in the supervisor.
 * Bodies over {@link #MAX_BODY} get 413; idle connections are closed; calls run on
 * {@link AdminExecutors}, never on the event loop; streamed answers go through a
 * ChunkedWriteHandler, which writes only while the connection can take more; every answer
 * leaves with the browser's security headers ({@link SecurityHeaders}).
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    static final int MAX_BODY = 64 * 1024;

    private final EventLoopGroup group;
    private final AdminExecutors executors;
    private final Channel channel;

    private AdminServer(EventLoopGroup group, AdminExecutors executors, Channel channel) {
        this.group = group;
        this.executors = executors;
        this.channel = channel;
    }

    /** Binds {@code address}; {@code metricsToken} null for none, {@code tls} null for plain HTTP. */
    public static AdminServer start(HostPort address, String token, String metricsToken, AdminOperations operations,
                                    SslContext tls, int idleSeconds) throws InterruptedException {
        DashboardFiles dashboard = DashboardFiles.fromClasspath(); // first: a file missing from the jar stops the start
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("admin-io", true),
                NioIoHandler.newFactory());
        AdminExecutors executors = new AdminExecutors();
        TokenAuthenticator authenticator = new TokenAuthenticator(token, metricsToken);
        ObjectMapper json = new ObjectMapper();
        SecurityHeaders securityHeaders = new SecurityHeaders();
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
                                    securityHeaders,
                                    new HttpObjectAggregator(MAX_BODY),
                                    new ChunkedWriteHandler(),
                                    new AdminHandler(operations, authenticator, json, executors.reads(), executors.changes(),
                                            dashboard));
                        }
                    })
                    .bind(address.toSocketAddress()).sync().channel();
            LOG.info("admin endpoint on {}://{}", tls == null ? "http" : "https",
                    new HostPort(address.host(), ((InetSocketAddress) channel.localAddress()).getPort()));
            return new AdminServer(group, executors, channel);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            executors.close();
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
        executors.close();
    }
}
