package dev.opcached.daemon.compiler;

import dev.opcached.daemon.compile.LocalPoolCompiler;
import dev.opcached.daemon.compile.PoolCompiler;
import dev.opcached.daemon.config.Directives;
import dev.opcached.daemon.control.ProcessFigures;
import dev.opcached.daemon.control.SupervisorLifeline;
import dev.opcached.daemon.control.SupervisorLine;
import dev.opcached.daemon.control.WorkerReport;
import dev.opcached.daemon.filecache.FileCache;
import dev.opcached.daemon.filecache.FileCaches;
import dev.opcached.daemon.fleet.RedisConfig;
import dev.opcached.daemon.fleet.RedisFleet;
import dev.opcached.daemon.runtime.CachePolicy;
import dev.opcached.daemon.runtime.ProcessFitness;
import dev.opcached.protocol.segment.CoarseEpochClock;
import dev.opcached.protocol.segment.Segment;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
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
 * The pool's compiler JVM, started and restarted by the supervisor: attaches to the pool's
 * segment, serves the compiler channel on its Unix domain socket, and is the process that keeps
 * javac warm for the pool. Its stdout is the report pipe ({@link WorkerReport}: {@code ready}
 * once the socket accepts, {@code alive} every {@link WorkerReport#HEARTBEAT_MILLIS}); it exits
 * when the supervisor goes (stdin closes), and on SIGTERM removes its socket and exits 0.
 */
@Command(name = "opcached-compiler", description = "The compiler of an opcached pool; started by the supervisor.")
public final class CompilerMain implements Callable<Integer> {
    @Option(names = "--segment", required = true, description = "The pool's segment file.")
    Path segmentPath;

    @Option(names = "--socket", required = true, description = "The compiler channel's socket to bind.")
    Path socket;

    @Option(names = "-d", paramLabel = "NAME=VALUE", description = "Directive, as resolved by the supervisor.")
    Map<String, String> directives = new LinkedHashMap<>();

    private final SupervisorLine reports;
    /** Not static: logging starts only once main has taken stdout for the pipe. */
    private final Logger log = LoggerFactory.getLogger(CompilerMain.class);

    CompilerMain(SupervisorLine reports) {
        this.reports = reports;
    }

    @Override
    public Integer call() throws Exception {
        SupervisorLifeline.watch(log, CompilerExit.SUPERVISOR_GONE);
        // PHP-FPM's reopen-logs signal, which logrotate may send the whole service: this process
        // writes no file of its own, and without a handler the signal would end it.
        Signal.handle(new Signal("USR1"), signal -> { });
        Directives config = Directives.defaults().with(directives);
        Segment segment;
        try {
            segment = Segment.attach(segmentPath, CoarseEpochClock.instance());
        } catch (RuntimeException e) {
            log.error("cannot start: {}", e.getMessage());
            return CompilerExit.STARTUP_FAILED;
        }
        // Anything that escapes a thread is logged; an error that leaves the JVM in doubt ends it (it is restarted).
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            log.error("thread {} died", thread.getName(), e);
            if (ProcessFitness.unfitAfter(e)) {
                Runtime.getRuntime().halt(CompilerExit.FATAL_ERROR);
            }
        });
        Path docroot = config.docroot();
        FileCache fileCache;
        try {
            fileCache = FileCaches.open(config);
        } catch (IllegalArgumentException e) {
            log.error("cannot start: {}", e.getMessage());
            return CompilerExit.STARTUP_FAILED;
        }
        RedisFleet redis;
        try {
            Optional<RedisConfig> fleet = RedisConfig.from(config);
            redis = fleet.isEmpty() ? null : RedisFleet.open(fleet.get());
        } catch (IllegalArgumentException | IOException e) {
            log.error("cannot start: {}", e.getMessage());
            return CompilerExit.STARTUP_FAILED;
        }
        CachePolicy policy = CachePolicy.of(config);
        LocalPoolCompiler local = LocalPoolCompiler.forDocroot(segment, docroot, policy, CoarseEpochClock.instance(),
                fileCache, redis == null ? null : redis.store(), redis == null ? null : redis.claims());
        BatchWatchdog engine = new BatchWatchdog(local, 4 * policy.compileTimeoutMillis(),
                () -> Runtime.getRuntime().halt(CompilerExit.FATAL_ERROR));
        CompilerServer server;
        try {
            server = CompilerServer.start(socket, docroot, engine, engine.watching(local::withoutCompiling));
        } catch (IOException e) {
            log.error("cannot serve the compiler socket {}: {}", socket, e.toString());
            return CompilerExit.STARTUP_FAILED;
        }
        Signal.handle(new Signal("TERM"), signal -> {
            try {
                server.close();
            } catch (IOException e) {
                log.warn("removing the compiler socket {}: {}", socket, e.toString());
            }
            Runtime.getRuntime().halt(CompilerExit.NORMAL);
        });
        log.info("compiling for {} on {}", docroot, socket);
        reports.send(WorkerReport.of(WorkerReport.Kind.READY));
        if (config.flag(Directives.COMPILER_WARMUP)) {
            JavacWarmup.start();
        }
        ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(
                new DefaultThreadFactory("compiler-heartbeat", true));
        heartbeat.scheduleAtFixedRate(() -> reports.send(WorkerReport.of(WorkerReport.Kind.ALIVE)),
                WorkerReport.HEARTBEAT_MILLIS, WorkerReport.HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
        heartbeat.scheduleAtFixedRate(engine::check, 1, 1, TimeUnit.SECONDS);
        heartbeat.scheduleWithFixedDelay(() -> {
            ProcessFigures compiled = local.figures().figures();
            reports.send((redis == null ? compiled : compiled.plus(redis.figures())).report());
        }, 0, WorkerReport.FIGURES_MILLIS, TimeUnit.MILLISECONDS);
        Thread.sleep(Long.MAX_VALUE);
        return CompilerExit.NORMAL;
    }

    public static void main(String[] args) {
        // The pipe first, then System.out away from it: nothing printed may pose as a report.
        SupervisorLine reports = SupervisorLine.standardOutput();
        System.setOut(System.err);
        CompilerMain compiler = new CompilerMain(reports);
        int exit = new CommandLine(compiler).setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            compiler.log.error("compiler failed", e);
            return CompilerExit.STARTUP_FAILED;
        }).execute(args);
        Runtime.getRuntime().halt(exit);
    }
}
