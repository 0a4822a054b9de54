package dev.opcached.daemon.supervisor;

import dev.opcached.daemon.config.Directives;
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
            refuseIfListenAddressInUse();
            int workers = config.integer(Directives.MAX_CHILDREN);
            if (workers > 1 && !Epoll.isAvailable()) {
                LOG.warn("native epoll is not available ({}): without SO_REUSEPORT only one worker can listen;"
                        + " running 1 worker instead of {}", Epoll.unavailabilityCause().toString(), workers);
                workers = 1;
            }
            WorkerLauncher launcher = new WorkerLauncher(path, config);
            for (int i = 1; i <= workers; i++) {
                WorkerSlot slot = new WorkerSlot("worker-" + i, launcher, scheduler, workerRestarts);
                slots.add(slot);
                slot.start();
            }
            LOG.info("pool {} ready: segment {} ({} MiB, {} keys max), {} workers serving {} on http://{}", pool, path,
                    segmentConfig.memoryConsumption() >> 20, segmentConfig.maxAcceleratedFiles(), workers, docroot,
                    config.string(Directives.LISTEN));
            stop.await();
            slots.forEach(WorkerSlot::stop);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(config.number(Directives.PROCESS_CONTROL_TIMEOUT) + 2);
            for (WorkerSlot slot : slots) {
                slot.awaitStopped(deadline);
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
