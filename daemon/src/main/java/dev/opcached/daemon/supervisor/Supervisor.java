package dev.opcached.daemon.supervisor;

import dev.opcached.daemon.accesslog.AccessLog;
import dev.opcached.daemon.admin.AdminOperations;
import dev.opcached.daemon.admin.AdminServer;
import dev.opcached.daemon.admin.AdminToken;
import dev.opcached.daemon.metrics.PoolMetrics;
import dev.opcached.daemon.compile.PoolCompiler;
import dev.opcached.daemon.compiler.CompilerClient;
import dev.opcached.daemon.compiler.CompilerMain;
import dev.opcached.daemon.config.Directives;
import dev.opcached.daemon.config.OwnerOnlyFile;
import dev.opcached.daemon.filecache.FileCaches;
import dev.opcached.daemon.fleet.RedisConfig;
import dev.opcached.daemon.fleet.RedisFleet;
import dev.opcached.daemon.runtime.CachePolicy;
import dev.opcached.daemon.worker.WorkerMain;
import dev.opcached.protocol.segment.EpochClock;
import dev.opcached.protocol.segment.ProcessTable;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentConfig;
import dev.opcached.protocol.segment.SegmentFiles;
import io.netty.channel.epoll.Epoll;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The supervisor of one pool: claims its listen address, owns its segment (and replaces it when
 * the file is lost), starts its workers, replaces them (keeping one accepting in every slot) and
 * kills those that stop heartbeating; on SIGTERM stops them (letting requests finish, bounded),
 * deletes the segment and returns.
 */
public final class Supervisor {
    private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);
    /** How long a rolling replacement waits for one new worker to say ready before it goes on. */
    private static final long READY_TIMEOUT_SECONDS = 120;

    private Directives config;
    private final WorkerRestarts workerRestarts = new WorkerRestarts();
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
     * The listen lock keeps other pools of this user out; a plain bind also catches a foreign
     * server (or another user's pool) already listening there.
     */
    private void refuseIfListenAddressInUse(InetSocketAddress address) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(address);
        } catch (IOException e) {
            throw new IllegalArgumentException(Directives.LISTEN + "=" + config.string(Directives.LISTEN)
                    + " is not free (" + e.getMessage() + "): is another pool or server listening there?");
        }
    }

    /**
     * The admin endpoint's TLS context: HTTPS when a certificate is configured. A non-loopback
     * address without it is refused unless opcached.admin_allow_insecure says otherwise, since
     * the token would cross the network in clear.
     */
    private SslContext adminTls() {
        String certificate = config.string(Directives.ADMIN_TLS_CERTIFICATE);
        String key = config.string(Directives.ADMIN_TLS_KEY);
        if (certificate.isEmpty() != key.isEmpty()) {
            throw new IllegalArgumentException(Directives.ADMIN_TLS_CERTIFICATE + " and " + Directives.ADMIN_TLS_KEY
                    + " go together: set both or neither");
        }
        if (certificate.isEmpty()) {
            InetSocketAddress admin = config.address(Directives.ADMIN_LISTEN).toSocketAddress();
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
            OwnerOnlyFile.require(Directives.ADMIN_TLS_KEY, Path.of(key), "the admin endpoint's private key",
                    "issue a new certificate");
        } catch (IOException e) {
            throw new IllegalArgumentException(Directives.ADMIN_TLS_KEY + "=" + key + " cannot be read: " + e, e);
        }
        try {
            return SslContextBuilder.forServer(new java.io.File(certificate), new java.io.File(key)).build();
        } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot use the admin TLS certificate " + certificate + " and key " + key
                    + ": " + e.getMessage(), e);
        }
    }

    /** Binds the admin endpoint; a busy address is a configuration problem, named as such. */
    private AdminServer startAdmin(String token, String metricsToken, AdminOperations operations, SslContext tls)
            throws InterruptedException {
        try {
            return AdminServer.start(config.address(Directives.ADMIN_LISTEN), token, metricsToken, operations, tls,
                    config.integer(Directives.ADMIN_IDLE_TIMEOUT));
        } catch (Exception e) {
            // Netty rethrows the bind failure undeclared
            if (e instanceof BindException) {
                throw new IllegalArgumentException(Directives.ADMIN_LISTEN + "=" + config.string(Directives.ADMIN_LISTEN)
                        + " cannot be bound (" + e.getMessage() + "): another process (another pool's admin endpoint?)"
                        + " listens there; stop it, or give this pool a free address with " + Directives.ADMIN_LISTEN
                        + " or --admin-listen");
            }
            throw e;
        }
    }

    /** Runs the pool until SIGTERM or SIGINT; returns the exit code. */
    public int run() throws Exception {
        Path docroot = config.docroot();
        if (!Files.isDirectory(docroot)) {
            throw new IllegalArgumentException(Directives.DOCROOT + "=" + docroot + " is not a directory");
        }
        // Workers get the docroot resolved here, whatever their working directory.
        config = config.with(Map.of(Directives.DOCROOT, docroot.toString()));
        WorkerUser user = WorkerUser.of(config);
        // And the access log's file resolved here, so that every worker appends to the same one
        // whatever its user's home; tried now when they write as this process does, so that an
        // unwritable file stops the start instead of every worker's.
        Optional<Path> accessLog = config.accessLogFile();
        if (accessLog.isPresent()) {
            config = config.with(Map.of(Directives.ACCESS_LOG, accessLog.get().toString()));
            if (!user.switches()) {
                AccessLog.requireWritable(config);
            }
        }
        InetSocketAddress listen = config.address(Directives.LISTEN).toSocketAddress();
        try (ListenAddressLock claim = ListenAddressLock.claim(listen, ListenAddressLock.defaultDirectory())) {
            refuseIfListenAddressInUse(listen);
            return runPool(docroot, user);
        }
    }

    private int runPool(Path docroot, WorkerUser user) throws Exception {
        String pool = config.string(Directives.POOL);
        Path directory = config.path(Directives.SEGMENT_DIR);
        SegmentDirectoryAccess access = new SegmentDirectoryAccess(directory, user);
        access.restorePrivate();
        try {
            SegmentFiles.ensureDirectory(directory);
        } catch (IOException e) {
            // a directory of the wrong owner or mode, or one that cannot be made: a configuration problem
            throw new IllegalArgumentException(Directives.SEGMENT_DIR + "=" + directory + ": " + e.getMessage(), e);
        }
        for (Path abandoned : SegmentFiles.removeAbandoned(directory)) {
            LOG.info("removed the segment of a supervisor that died: {}", abandoned);
        }
        CompilerSocketDirectory.removeAbandoned(directory, ProcessTable.SYSTEM);
        CompilerSocketDirectory compilerDirectory = CompilerSocketDirectory.of(directory, user, ProcessTable.SYSTEM);
        // PHP-FPM's reopen-logs signal: without a handler it would end the JVM, and the pool with it.
        Signal.handle(new Signal("USR1"), received -> LOG.info("SIGUSR1 received: the supervisor has no file to"
                + " reopen; workers reopen a rotated access log by themselves within a second, or at once on a"
                + " SIGUSR1 of their own"));
        for (String signal : new String[] {"TERM", "INT"}) {
            // Handled, not left to shutdown hooks, so that SIGTERM is an orderly stop that exits 0.
            Signal.handle(new Signal(signal), received -> {
                LOG.info("SIG{} received; stopping", received.getName());
                stop.countDown();
            });
        }
        String token = AdminToken.loadOrCreate(config.tokenFile());
        Path metricsTokenFile = config.metricsTokenFile();
        String metricsToken = metricsTokenFile == null ? null : AdminToken.loadOrCreate(metricsTokenFile, "metrics token");
        // The compiler process opens it; opened here once so that a bad directory or key is a startup error.
        FileCaches.open(config);
        Optional<RedisConfig> fleet = RedisConfig.from(config);
        if (fleet.isPresent()) {
            RedisFleet.check(fleet.get());
        }
        SslContext tls = adminTls();
        CachePolicy policy = CachePolicy.of(config);
        SegmentConfig segmentConfig = segmentConfig(config);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
                new DefaultThreadFactory("supervision", true));
        ExecutorService renewal = Executors.newSingleThreadExecutor(new DefaultThreadFactory("segment-renewal", true));
        List<WorkerSlot> slots = new ArrayList<>();
        PoolSegment segments = null;
        CompilerSlot compiler = null;
        WorkerClassArchive classArchive;
        try {
            access.openToWorkers();
            segments = PoolSegment.create(directory, pool, segmentConfig, SegmentSpace.ofFileSystem(), user);
            PoolSegment segment = segments;
            compilerDirectory.create();
            long heartbeatTimeoutMillis = TimeUnit.SECONDS.toMillis(config.number(Directives.WORKER_HEARTBEAT_TIMEOUT));
            compiler = new CompilerSlot(new CompilerLauncher(segment::path, compilerDirectory.socket(), config,
                    CompilerMain.class.getName()), scheduler, heartbeatTimeoutMillis);
            CompilerSlot poolCompiler = compiler;
            // The supervisor compiles nothing itself: /compile asks the pool's compiler too.
            PoolCompiler poolCompilerClient = new CompilerClient(compilerDirectory.socket());
            int workers = config.integer(Directives.MAX_CHILDREN);
            if (workers > 1 && !Epoll.isAvailable()) {
                LOG.warn("native epoll is not available ({}): without SO_REUSEPORT only one worker can listen;"
                        + " running 1 worker instead of {}", Epoll.unavailabilityCause().toString(), workers);
                workers = 1;
            }
            classArchive = WorkerClassArchive.of(config, user);
            WorkerLauncher launcher = new WorkerLauncher(segment::path, compilerDirectory.socket(), config,
                    WorkerMain.class.getName(), user, classArchive);
            long drainMillis = TimeUnit.SECONDS.toMillis(config.number(Directives.PROCESS_CONTROL_TIMEOUT));
            for (int i = 1; i <= workers; i++) {
                slots.add(new WorkerSlot("worker-" + i, launcher, scheduler, workerRestarts, heartbeatTimeoutMillis,
                        drainMillis));
            }
            scheduler.scheduleAtFixedRate(() -> housekeeping(segment, poolCompiler, slots, renewal), 1, 1,
                    TimeUnit.SECONDS);
            // The supervisor compiles too (POST /compile), into the same segment, with the workers' rules.
            AdminOperations operations = new AdminOperations(segment, config, policy.blacklist(),
                    () -> poolCompilerClient,
                    () -> slots.stream().flatMap(slot -> slot.status().stream()).toList(),
                    new PoolMetrics(pool, segment, new SupervisedProcesses(slots, compiler, workerRestarts)));
            try (AdminServer admin = startAdmin(token, metricsToken, operations, tls)) {
                // The compiler first: it is the pool's place to compile (workers reconnect until it is ready).
                compiler.start();
                slots.forEach(WorkerSlot::start);
                LOG.info("pool {} ready: segment {} ({} MiB, {} keys max), {} workers{} serving {} on http://{},"
                        + " admin on port {}", pool, segment.path(), segmentConfig.memoryConsumption() >> 20,
                        segmentConfig.maxAcceleratedFiles(), workers, user.switches() ? " (as " + user + ")" : "",
                        docroot, config.string(Directives.LISTEN), admin.port());
                stop.await();
                slots.forEach(WorkerSlot::stop);
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainMillis + 2_000);
                for (WorkerSlot slot : slots) {
                    slot.awaitStopped(deadline);
                }
                classArchive.settle();
            }
        } finally {
            slots.forEach(WorkerSlot::stop);
            // After the workers (awaited above on an orderly stop), so that no worker is left waiting on it.
            if (compiler != null) {
                compiler.stop();
                compiler.awaitStopped(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
            }
            scheduler.shutdownNow();
            renewal.shutdownNow();
            if (segments != null) {
                segments.delete();
            }
            compilerDirectory.delete();
            access.restorePrivate();
            LOG.info("stopped; segment {} deleted; {} worker restarts, {} compiler restarts",
                    segments == null ? "(none)" : segments.path(), workerRestarts.total(),
                    compiler == null ? 0 : compiler.restarts());
        }
        return 0;
    }

    /**
     * Once a second: the segment gets its heartbeat and maintenance, or, when its file was lost, is
     * replaced (and the compiler with it, and every worker, one at a time).
     */
    private void housekeeping(PoolSegment segment, CompilerSlot compiler, List<WorkerSlot> slots,
                              ExecutorService renewal) {
        try {
            if (!segment.tend()) {
                segment.renew();
                compiler.replace("its segment was lost");
                renewal.execute(() -> replaceOneByOne(slots, "its segment was lost"));
            }
        } catch (IOException | RuntimeException | InternalError e) {
            // A file truncated during the round (SegmentLostException, or the JVM's late report of the
            // fault): the next round's check renews it. Caught, since a task that throws is never run again.
            LOG.error("housekeeping failed: {}", e.toString());
        }
    }

    /** Replaces each slot's worker, the next only once the previous replacement is ready. */
    private static void replaceOneByOne(List<WorkerSlot> slots, String why) {
        try {
            for (WorkerSlot slot : slots) {
                slot.replace(why, WorkerRestarts.Cause.SEGMENT_LOST);
                if (!slot.awaitServing(System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_TIMEOUT_SECONDS))) {
                    LOG.warn("{} has no ready worker yet; replacing the next one all the same", slot.name());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
