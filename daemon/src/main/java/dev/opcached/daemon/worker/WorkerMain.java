package dev.opcached.daemon.worker;

import dev.opcached.daemon.accesslog.AccessLog;
import dev.opcached.daemon.compile.LocalPoolCompiler;
import dev.opcached.daemon.compile.PoolCompiler;
import dev.opcached.daemon.compiler.CompilerClient;
import dev.opcached.daemon.config.Directives;
import dev.opcached.daemon.control.SupervisorLifeline;
import dev.opcached.daemon.control.SupervisorLine;
import dev.opcached.daemon.control.WorkerReport;
import dev.opcached.daemon.logging.ProcessConverter;
import dev.opcached.daemon.runtime.CachePolicy;
import dev.opcached.daemon.runtime.ProcessFitness;
import dev.opcached.daemon.runtime.ScriptExitGuard;
import dev.opcached.daemon.runtime.ScriptRunner;
import dev.opcached.daemon.runtime.ScriptRuntime;
import dev.opcached.protocol.segment.CoarseEpochClock;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentAccess;
import io.netty.channel.Channel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
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
 * Its stdout is the report pipe to the supervisor ({@link dev.opcached.daemon.control.WorkerReport});
 * {@link System#out} is pointed at stderr before anything else runs, so that nothing a script
 * prints reaches the pipe. Exits on its own when the supervisor goes (its stdin closes), and
 * retires ({@link WorkerRetirement}) when it can no longer serve well.
 */
@Command(name = "opcached-worker", description = "A worker of an opcached pool; started by the supervisor.")
public final class WorkerMain implements Callable<Integer> {
    private static final long TIMEOUT_CHECK_MILLIS = 100;

    @Option(names = "--segment", required = true, description = "The pool's segment file.")
    Path segmentPath;

    /** The pool's compiler channel (docs/compiler-channel.md): every miss of this worker is compiled there. */
    @Option(names = "--compiler-socket", description = "The pool's compiler socket.")
    Path compilerSocket;

    @Option(names = "-d", paramLabel = "NAME=VALUE", description = "Directive, as resolved by the supervisor.")
    Map<String, String> directives = new LinkedHashMap<>();

    private final ReportPipe reports;
    /** Not static: logging starts only once main has taken stdout for the pipe (logback may print there). */
    private final Logger log = LoggerFactory.getLogger(WorkerMain.class);

    WorkerMain(SupervisorLine supervisor) {
        this.reports = new ReportPipe(supervisor);
    }

    @Override
    public Integer call() throws Exception {
        SupervisorLifeline.watch(log, WorkerExit.SUPERVISOR_GONE);
        ScriptExitGuard.install();
        Directives config = Directives.defaults().with(directives);
        Segment segment;
        try {
            // With the pool's compiler, the worker writes no entry: it maps them read-only. Alone,
            // it compiles (and stores) in-process.
            segment = Segment.attach(segmentPath, CoarseEpochClock.instance(),
                    compilerSocket != null ? SegmentAccess.READER : SegmentAccess.WRITER);
        } catch (RuntimeException e) {
            log.error("cannot start: {}", e.getMessage());
            return WorkerExit.STARTUP_FAILED;
        }
        AccessLog accessLog;
        try {
            accessLog = AccessLog.of(config, System.getProperty(ProcessConverter.ROLE_PROPERTY, "-"));
        } catch (IllegalArgumentException e) {
            log.error("cannot start: {}", e.getMessage());
            return WorkerExit.STARTUP_FAILED;
        }
        // PHP-FPM's reopen-logs signal (which would end the JVM without a handler): the access log's
        // file, now rather than at the next check.
        Signal.handle(new Signal("USR1"), signal -> accessLog.reopen());
        InFlightRequests inFlight = new InFlightRequests(config.number(Directives.REQUEST_TERMINATE_TIMEOUT),
                System::nanoTime);
        ServedRequests served = new ServedRequests(config.number(Directives.MAX_REQUESTS));
        WorkerRetirement retirement = new WorkerRetirement(reports, inFlight, served,
                config.number(Directives.PROCESS_CONTROL_TIMEOUT) * 1000, code -> {
                    // The lines still queued for the file first: a halt runs no shutdown hook.
                    try {
                        accessLog.close();
                    } finally {
                        Runtime.getRuntime().halt(code);
                    }
                });
        CachePolicy policy = CachePolicy.of(config);
        // A vendor jar changed under this worker: its class loaders cannot take the new one, a new worker can.
        ScriptRuntime runtime = new ScriptRuntime(segment, config.docroot(), policy, poolCompiler(segment, config, policy),
                () -> retirement.replaceThenEnd("vendor-jars-changed", WorkerExit.NORMAL));
        DocumentRoot documentRoot = new DocumentRoot(config.docroot(), config.number(Directives.REALPATH_CACHE_TTL),
                config.number(Directives.REALPATH_CACHE_SIZE), segment::statGeneration);
        ScriptRunner runner = new ScriptRunner(runtime, config.flag(Directives.DISPLAY_ERRORS),
                config.number(Directives.MAX_RESPONSE_SIZE));
        // Anything that escapes a thread is logged; an error that leaves the JVM in doubt retires it.
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            log.error("thread {} died", thread.getName(), e);
            if (ProcessFitness.unfitAfter(e)) {
                retirement.retire(e.getClass().getSimpleName(), WorkerExit.FATAL_ERROR);
            }
        });
        // The pool's hot scripts first: the JIT warm-up then runs over a heap that already holds them.
        boolean warmCache = new HotScriptPreload(segment, runtime, config.integer(Directives.WORKER_WARMUP_SCRIPTS),
                config.number(Directives.WORKER_WARMUP_TIMEOUT), System::nanoTime).run();
        Warmup.run(segment, runtime, documentRoot);

        int loops = config.integer(Directives.WORKER_EVENT_LOOPS);
        try (WorkerServer server = new WorkerServer(loops > 0 ? loops
                        : Math.max(2, Runtime.getRuntime().availableProcessors()));
             RequestExecutor executor = new RequestExecutor(runner, config.integer(Directives.WORKER_THREADS),
                     server.loads())) {
            WorkerContext worker = new WorkerContext(documentRoot, executor, inFlight, served, retirement, reports,
                    Long.toString(ProcessHandle.current().pid()), accessLog);
            // The request path end to end, on a private listener: the first connections are not its
            // first. Only for a warm cache: a fresh pool's workers start as fast as before, and
            // their first requests compile anyway.
            if (warmCache) {
                new LoopbackWarmup(server, worker, config.integer(Directives.POST_MAX_SIZE),
                        config.number(Directives.WORKER_WARMUP_TIMEOUT), System::nanoTime).run();
            }
            Channel listening;
            try {
                listening = server.listen(config.address(Directives.LISTEN).toSocketAddress(),
                        new WorkerChannelInitializer(worker, config.integer(Directives.POST_MAX_SIZE)));
            } catch (Exception e) {
                log.error("cannot listen on {}: {}", config.string(Directives.LISTEN), e.toString());
                return WorkerExit.STARTUP_FAILED;
            }
            retirement.listening(listening);
            watch(inFlight, retirement, served, reports);
            Signal.handle(new Signal("TERM"), signal -> retirement.stop());
            log.info("serving {} on http://{} ({})", documentRoot.root(), config.string(Directives.LISTEN),
                    server.transport());
            reports.ready();
            server.startHeartbeat(reports);
            listening.closeFuture().sync();
            // The listening socket is closed: the retirement decides when the process ends.
            Thread.sleep(Long.MAX_VALUE);
            return WorkerExit.NORMAL;
        }
    }

    /** Checks request timeouts, and sends the worker's figures to the supervisor, on one thread. */
    private static void watch(InFlightRequests inFlight, WorkerRetirement retirement, ServedRequests served,
                              ReportPipe reports) {
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(
                new DefaultThreadFactory("request-watchdog", true));
        watchdog.scheduleWithFixedDelay(() -> {
            if (inFlight.checkTimeouts() > 0) {
                retirement.replaceThenEnd("request_terminate_timeout", WorkerExit.REQUEST_TIMEOUT);
            }
        }, TIMEOUT_CHECK_MILLIS, TIMEOUT_CHECK_MILLIS, TimeUnit.MILLISECONDS);
        watchdog.scheduleWithFixedDelay(() -> reports.figures(served.figures()), WorkerReport.FIGURES_MILLIS,
                WorkerReport.FIGURES_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * The pool's compiler process when the supervisor named its socket (this worker then never
     * loads javac); else (a worker started on its own) a compiler in this process, without the
     * file cache, which is the compiler process's.
     */
    private PoolCompiler poolCompiler(Segment segment, Directives config, CachePolicy policy) throws IOException {
        if (compilerSocket != null) {
            return new CompilerClient(compilerSocket);
        }
        return LocalPoolCompiler.forDocroot(segment, config.docroot(), policy, CoarseEpochClock.instance());
    }

    public static void main(String[] args) {
        // The pipe first, then System.out away from it: before any class that might print loads.
        SupervisorLine supervisor = SupervisorLine.standardOutput();
        System.setOut(System.err);
        WorkerMain worker = new WorkerMain(supervisor);
        int exit = new CommandLine(worker).setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            worker.log.error("worker failed", e);
            return WorkerExit.STARTUP_FAILED;
        }).execute(args);
        Runtime.getRuntime().halt(exit);
    }
}
