package dev.opcached.daemon.worker;

import dev.opcached.daemon.config.Directives;
import dev.opcached.daemon.control.SupervisorLine;
import dev.opcached.daemon.control.WorkerReport;
import dev.opcached.daemon.runtime.ScriptRunner;
import dev.opcached.daemon.runtime.ScriptRuntime;
import dev.opcached.protocol.segment.CoarseEpochClock;
import dev.opcached.protocol.segment.Segment;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * A worker JVM, started by the supervisor: attaches to the pool's segment and serves the docroot's
 * scripts over HTTP on the pool's port, shared with the other workers through SO_REUSEPORT.
 * Exits on its own when the supervisor goes (its stdin closes).
 */
@Command(name = "opcached-worker", description = "A worker of an opcached pool; started by the supervisor.")
public final class WorkerMain implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerMain.class);
    /** Keep-alive connections idle this long, with no request running, are closed. */
    private static final int IDLE_SECONDS = 60;

    @Option(names = "--segment", required = true, description = "The pool's segment file.")
    Path segmentPath;

    @Option(names = "-d", paramLabel = "NAME=VALUE", description = "Directive, as resolved by the supervisor.")
    Map<String, String> directives = new LinkedHashMap<>();

    private volatile Channel serverChannel;
    private final java.util.concurrent.atomic.AtomicBoolean exiting = new java.util.concurrent.atomic.AtomicBoolean();

    @Override
    public Integer call() throws Exception {
        watchSupervisor();
        Directives config = Directives.defaults().with(directives);
        Segment segment;
        try {
            segment = Segment.attach(segmentPath, CoarseEpochClock.instance());
        } catch (RuntimeException e) {
            LOG.error("cannot start: {}", e.getMessage());
            return WorkerExit.STARTUP_FAILED;
        }
        ScriptRuntime runtime = new ScriptRuntime(segment, config.docroot(), ScriptRuntime.Policy.of(config),
                CoarseEpochClock.instance());
        DocumentRoot documentRoot = new DocumentRoot(config.docroot(), config.number(Directives.REALPATH_CACHE_TTL),
                segment::statGeneration);
        RequestExecutor executor = new RequestExecutor(new ScriptRunner(runtime, config.flag(Directives.DISPLAY_ERRORS)),
                config.integer(Directives.WORKER_THREADS));
        long drainMillis = config.number(Directives.PROCESS_CONTROL_TIMEOUT) * 1000;
        SupervisorLine supervisor = SupervisorLine.standardOutput();
        WorkerState[] state = new WorkerState[1];
        state[0] = new WorkerState(documentRoot, executor, config.flag(Directives.ACCESS_LOG),
                config.number(Directives.MAX_REQUESTS), config.number(Directives.REQUEST_TERMINATE_TIMEOUT),
                new WorkerState.Exits() {
                    @Override
                    public void recycle() {
                        // Serves on until the supervisor's SIGTERM, which comes once the replacement listens.
                        supervisor.send(new WorkerReport(WorkerReport.Kind.RETIRING, "recycle"));
                    }

                    @Override
                    public void requestTimedOut(String request) {
                        LOG.info("exiting to be replaced after the timeout of {}", request);
                        Runtime.getRuntime().halt(WorkerExit.REQUEST_TIMEOUT);
                    }
                });
        Warmup.run(segment, runtime, documentRoot);
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "request-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        watchdog.scheduleWithFixedDelay(state[0]::checkTimeouts, 100, 100, TimeUnit.MILLISECONDS);

        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(Math.max(1, Runtime.getRuntime().availableProcessors()),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        try {
            ServerBootstrap bootstrap = new ServerBootstrap().group(group)
                    .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            channel.pipeline().addLast(
                                    new IdleStateHandler(0, 0, IDLE_SECONDS),
                                    new HttpServerCodec(),
                                    new HttpObjectAggregator(config.integer(Directives.POST_MAX_SIZE)),
                                    new ScriptHandler(state[0]));
                        }
                    });
            if (epoll) {
                bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
            } else {
                LOG.warn("native epoll is not available ({}): no SO_REUSEPORT, this worker listens alone",
                        Epoll.unavailabilityCause().toString());
            }
            try {
                serverChannel = bootstrap.bind(config.address(Directives.LISTEN).toSocketAddress()).sync().channel();
            } catch (Exception e) {
                LOG.error("cannot listen on {}: {}", config.string(Directives.LISTEN), e.toString());
                return WorkerExit.STARTUP_FAILED;
            }
            LOG.info("serving {} on http://{} ({})", documentRoot.root(), config.string(Directives.LISTEN),
                    epoll ? "epoll, SO_REUSEPORT" : "nio");
            supervisor.send(WorkerReport.of(WorkerReport.Kind.READY));
            group.next().scheduleAtFixedRate(() -> supervisor.send(WorkerReport.of(WorkerReport.Kind.ALIVE)),
                    0, WorkerReport.HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
            Signal.handle(new Signal("TERM"), signal -> new Thread(() -> drainAndExit(state[0], drainMillis, "stopped"),
                    "stop").start());
            serverChannel.closeFuture().sync();
            // The listening socket is closed: drainAndExit decides when the process ends.
            Thread.sleep(Long.MAX_VALUE);
            return WorkerExit.NORMAL;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            executor.close();
        }
    }

    /** Stop accepting, let in-flight requests finish (bounded), exit 0; once, however often asked. */
    private void drainAndExit(WorkerState state, long drainMillis, String why) {
        if (!exiting.compareAndSet(false, true)) {
            return;
        }
        state.drain();
        Channel channel = serverChannel;
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        long deadline = System.nanoTime() + drainMillis * 1_000_000;
        while (state.inFlightCount() > 0 && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                break;
            }
        }
        LOG.info("{} after {} requests; {} still in flight", why, state.servedCount(), state.inFlightCount());
        Runtime.getRuntime().halt(WorkerExit.NORMAL);
    }

    /** The supervisor holds our stdin open; end of input means it is gone, however it died. */
    private static void watchSupervisor() {
        Thread watcher = new Thread(() -> {
            try {
                InputStream in = System.in;
                while (in.read() >= 0) {
                    // nothing is ever sent
                }
            } catch (IOException ignored) {
                // same as end of input
            }
            LOG.warn("supervisor gone (stdin closed); exiting");
            Runtime.getRuntime().halt(WorkerExit.SUPERVISOR_GONE);
        }, "supervisor-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    public static void main(String[] args) {
        int exit = new CommandLine(new WorkerMain()).setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            LOG.error("worker failed", e);
            return WorkerExit.STARTUP_FAILED;
        }).execute(args);
        Runtime.getRuntime().halt(exit);
    }
}
