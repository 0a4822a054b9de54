package dev.opcached.daemon;

import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentConfig;
import dev.opcached.protocol.segment.SegmentFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
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
 * The supervisor, {@code opcached}: creates this pool's segment and keeps it until SIGTERM.
 * Worker JVMs, the HTTP pool and the admin endpoint are built on top of it by later work.
 */
@Command(name = "opcached", mixinStandardHelpOptions = true, version = "opcached 0.1.0",
        description = "Shared bytecode cache supervisor: creates the pool's segment and runs in the foreground until SIGTERM.")
public final class Opcached implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(Opcached.class);

    @Option(names = "--pool", defaultValue = "www", description = "Pool name, part of the segment file name (default: ${DEFAULT-VALUE}).")
    String pool;

    @Option(names = "--segment-dir", defaultValue = "/dev/shm/opcached",
            description = "Directory of segment files, created 0700 (default: ${DEFAULT-VALUE}).")
    Path segmentDirectory;

    @Option(names = "-d", paramLabel = "NAME=VALUE", description = "Sets a directive, as php -d does: -d opcache.memory_consumption=64")
    Map<String, String> directives = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        Directives resolved = Directives.resolve(directives);
        SegmentConfig config = resolved.segmentConfig();
        Path directory = SegmentFiles.ensureDirectory(segmentDirectory);
        for (Path abandoned : SegmentFiles.removeAbandoned(directory)) {
            LOG.info("removed the segment of a supervisor that died: {}", abandoned);
        }
        Path path = SegmentFiles.newSegmentPath(directory, pool);
        CountDownLatch stop = new CountDownLatch(1);
        // Handled, not left to shutdown hooks, so that SIGTERM is an orderly stop that exits 0.
        for (String signal : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(signal), received -> {
                LOG.info("SIG{} received; stopping", received.getName());
                stop.countDown();
            });
        }
        ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "housekeeping");
            thread.setDaemon(true);
            return thread;
        });
        try (Segment segment = Segment.create(path, config)) {
            housekeeping.scheduleAtFixedRate(() -> {
                try {
                    segment.heartbeat();
                    segment.maintain();
                } catch (RuntimeException e) {
                    LOG.error("housekeeping failed", e);
                }
            }, 1, 1, TimeUnit.SECONDS);
            LOG.info("pool {} ready: segment {} ({} MiB, {} keys max, max_wasted_percentage {})", pool, path,
                    config.memoryConsumption() >> 20, config.maxAcceleratedFiles(), config.maxWastedPercentage());
            stop.await();
        } finally {
            housekeeping.shutdownNow();
            housekeeping.awaitTermination(5, TimeUnit.SECONDS);
            Files.deleteIfExists(path);
            LOG.info("stopped; segment {} deleted", path);
        }
        return 0;
    }

    public static void main(String[] args) {
        int exit = new CommandLine(new Opcached()).setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof IllegalArgumentException) {
                commandLine.getErr().println("opcached: " + e.getMessage());
                return 2;
            }
            LOG.error("opcached failed to start", e);
            return 1;
        }).execute(args);
        System.exit(exit);
    }
}
