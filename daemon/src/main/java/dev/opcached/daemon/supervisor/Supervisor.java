package dev.opcached.daemon.supervisor;

import dev.opcached.daemon.admin.AdminOperations;
import dev.opcached.daemon.admin.AdminServer;
import dev.opcached.daemon.admin.AdminToken;
import dev.opcached.daemon.config.Directives;
import dev.opcached.daemon.runtime.CachePolicy;
import dev.opcached.daemon.runtime.ScriptRuntime;
import dev.opcached.protocol.segment.EpochClock;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentConfig;
import dev.opcached.protocol.segment.SegmentFiles;
import io.netty.channel.epoll.Epoll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The supervisor of one pool: owns its segment, starts and replaces its workers, and on SIGTERM
 * stops them (letting requests finish, bounded), deletes the segment and returns.
 */
public final class Supervisor {
    private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);

    private Directives config;
    private final AtomicLong workerRestarts = new AtomicLong();
    private final CountDownLatch stop = new CountDownLatch(1);

    public Supervisor(Directives config) {
        this.config = config;
    }

    /** The segment these directives describe; memory_consumption counts header and index too, as in OPcache. */
    public static SegmentConfig segmentConfig(Directives config) {
        long bytes = Math.min(config.number(Directives.MEMORY_CONSUMPTION) << 20, SegmentConfig.MAX_MEMORY_CONSUMPTION);
        return new SegmentConfig(bytes, config.integer(Directives.MAX_ACCELERATED_FILES),
                config.integer(Directives.MAX_WASTED_PERCENTAGE));
    }

    /**
     * Workers share the port through SO_REUSEPORT, which the kernel grants to any process of the
     * same user: a second pool started on this port by mistake would silently take half the
     * connections. A plain bind first makes that a clear error instead.
     */
    private void refuseIfListenAddressInUse() {
        java.net.InetSocketAddress address = config.address(Directives.LISTEN).toSocketAddress();
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.bind(address);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(Directives.LISTEN + "=" + config.string(Directives.LISTEN)
                    + " is not free (" + e.getMessage() + "): is another pool or server listening there?");
        }
    }

    /**
     * The admin endpoint's TLS context: HTTPS when a certificate is configured. A non-loopback
     * address without it is refused unless opcached.admin_allow_insecure says otherwise, since
     * the token would cross the network in clear.
     */
    private SslContext adminTls() throws IOException {
        String certificate = config.string(Directives.ADMIN_TLS_CERTIFICATE);
        String key = config.string(Directives.ADMIN_TLS_KEY);
        if (certificate.isEmpty() != key.isEmpty()) {
            throw new IllegalArgumentException(Directives.ADMIN_TLS_CERTIFICATE + " and " + Directives.ADMIN_TLS_KEY
                    + " go together: set both or neither");
        }
        if (certificate.isEmpty()) {
            java.net.InetSocketAddress admin = config.address(Directives.ADMIN_LISTEN).toSocketAddress();
            if (admin.getAddress() == null || !admin.getAddress().isLoopbackAddress()) {
                if (!config.flag(Directives.ADMIN_ALLOW_INSECURE)) {
                    throw new IllegalArgumentException(Directives.ADMIN_LISTEN + "=" + config.string(Directives.ADMIN_LISTEN)
                            + " is not a loopback address: set " + Directives.ADMIN_TLS_CERTIFICATE + " and "
                            + Directives.ADMIN_TLS_KEY + " for HTTPS, or " + Directives.ADMIN_ALLOW_INSECURE
                            + "=1 to send the token in clear");
                }
                LOG.warn("admin endpoint on {} without TLS: the token crosses the network in clear",
                        config.string(Directives.ADMIN_LISTEN));
            }
            return null;
        }
        try {
            return SslContextBuilder.forServer(new java.io.File(certificate), new java.io.File(key)).build();
        } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot use the admin TLS certificate " + certificate + " and key " + key
                    + ": " + e.getMessage(), e);
        }
    }

    /** Runs the pool until SIGTERM or SIGINT; returns the exit code. */
    public int run() throws Exception {
        Path docroot = config.docroot();
        if (!Files.isDirectory(docroot)) {
            throw new IllegalArgumentException(Directives.DOCROOT + "=" + docroot + " is not a directory");
        }
        // Workers get the docroot resolved here, whatever their working directory.
        config = config.with(java.util.Map.of(Directives.DOCROOT, docroot.toString()));
        String pool = config.string(Directives.POOL);
        Path directory = SegmentFiles.ensureDirectory(config.path(Directives.SEGMENT_DIR));
        for (Path abandoned : SegmentFiles.removeAbandoned(directory)) {
            LOG.info("removed the segment of a supervisor that died: {}", abandoned);
        }
        SegmentConfig segmentConfig = segmentConfig(config);
        Path path = SegmentFiles.newSegmentPath(directory, pool);
        for (String signal : new String[] {"TERM", "INT"}) {
            // Handled, not left to shutdown hooks, so that SIGTERM is an orderly stop that exits 0.
            Signal.handle(new Signal(signal), received -> {
                LOG.info("SIG{} received; stopping", received.getName());
                stop.countDown();
            });
        }
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "supervision");
            thread.setDaemon(true);
            return thread;
        });
        refuseIfListenAddressInUse();
        String token = AdminToken.loadOrCreate(config.tokenFile());
        SslContext tls = adminTls();
        CachePolicy policy = CachePolicy.of(config);
        List<WorkerSlot> slots = new ArrayList<>();
        try (Segment segment = Segment.create(path, segmentConfig)) {
            scheduler.scheduleAtFixedRate(() -> {
                try {
                    segment.heartbeat();
                    segment.maintain();
                } catch (RuntimeException e) {
                    LOG.error("housekeeping failed", e);
                }
            }, 1, 1, TimeUnit.SECONDS);
            int workers = config.integer(Directives.MAX_CHILDREN);
            if (workers > 1 && !Epoll.isAvailable()) {
                LOG.warn("native epoll is not available ({}): without SO_REUSEPORT only one worker can listen;"
                        + " running 1 worker instead of {}", Epoll.unavailabilityCause().toString(), workers);
                workers = 1;
            }
            WorkerLauncher launcher = new WorkerLauncher(path, config);
            for (int i = 1; i <= workers; i++) {
                slots.add(new WorkerSlot("worker-" + i, launcher, scheduler, workerRestarts));
            }
            // The supervisor compiles too (POST /compile), into the same segment, with the workers' rules.
            AdminOperations operations = new AdminOperations(segment, config, policy.blacklist(),
                    new ScriptRuntime(segment, docroot, policy, EpochClock.SYSTEM),
                    () -> slots.stream().map(WorkerSlot::status).toList());
            try (AdminServer admin = AdminServer.start(config.address(Directives.ADMIN_LISTEN), token, operations, tls,
                    config.integer(Directives.ADMIN_IDLE_TIMEOUT))) {
                slots.forEach(WorkerSlot::start);
                LOG.info("pool {} ready: segment {} ({} MiB, {} keys max), {} workers serving {} on http://{}, admin on port {}",
                        pool, path, segmentConfig.memoryConsumption() >> 20, segmentConfig.maxAcceleratedFiles(), workers,
                        docroot, config.string(Directives.LISTEN), admin.port());
                stop.await();
                slots.forEach(WorkerSlot::stop);
                long deadline = System.nanoTime()
                        + TimeUnit.SECONDS.toNanos(config.number(Directives.PROCESS_CONTROL_TIMEOUT) + 2);
                for (WorkerSlot slot : slots) {
                    slot.awaitStopped(deadline);
                }
            }
        } finally {
            slots.forEach(WorkerSlot::stop);
            scheduler.shutdownNow();
            Files.deleteIfExists(path);
            LOG.info("stopped; segment {} deleted; {} worker restarts", path, workerRestarts.get());
        }
        return 0;
    }
}
