package dev.opcached.daemon.supervisor;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.opcached.daemon.config.Directives;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Starts worker JVMs ({@link PoolJvmCommand}) with the worker entry point, the current segment,
 * the compiler's socket and the directives; as another user when {@code user} is set.
 */
final class WorkerLauncher {
    /**
     * The JVM defaults of a worker, sized for its job rather than for the machine (the JVM's own
     * defaults take a heap of a quarter of the RAM, G1 and C2): the heap of a few scripts' requests,
     * the GC of such a heap, the JIT that compiles the request path cheaply, and JVM warnings on
     * stderr (the worker's stdout is its report pipe). docs/configuration.md gives the measured
     * effect of each; opcached.worker_java_options comes after them and wins.
     */
    static final List<String> DEFAULT_FLAGS = List.of("-XX:+UseSerialGC", "-Xms8m", "-Xmx128m",
            "-Xlog:disable", "-Xlog:all=warning:stderr");
    /**
     * glibc's malloc arenas (up to 8 per core by default, shared by the threads) each keep freed
     * native memory; a worker needs few (set only where the supervisor's environment does not).
     */
    static final String MALLOC_ARENAS = "2";
    /**
     * Native memory that the JVM freed (the JIT's arenas above all) handed back to the OS every 5
     * s, rather than kept by malloc: about 17 MiB of PSS per worker here. A flag since 17.0.9:
     * left out on a JVM without it, which would refuse to start.
     */
    static final String TRIM_NATIVE_HEAP = "TrimNativeHeapInterval";

    private final Supplier<Path> segment;
    private final Path compilerSocket;
    private final Directives directives;
    private final String mainClass;
    private final WorkerUser user;
    private final PoolJvmCommand jvm;
    private final WorkerClassArchive archive;

    /**
     * @param segment        the segment a worker started now attaches to (it changes when the segment is lost)
     * @param compilerSocket the pool's compiler channel, given to workers as {@code --compiler-socket}
     * @param mainClass      the worker entry point (the real one, or a test's stand-in)
     * @param user           the user workers run as
     * @param archive        the workers' class archive (its CDS flags come before opcached.worker_java_options)
     */
    WorkerLauncher(Supplier<Path> segment, Path compilerSocket, Directives directives, String mainClass,
                   WorkerUser user, WorkerClassArchive archive) {
        this.segment = segment;
        this.compilerSocket = compilerSocket;
        this.directives = directives;
        this.mainClass = mainClass;
        this.user = user;
        this.jvm = new PoolJvmCommand(directives);
        this.archive = archive;
    }

    /** Whether this JVM, which workers run too, has the -XX flag {@code name}. */
    static boolean jvmHas(String name) {
        try {
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).getVMOption(name);
            return true;
        } catch (IllegalArgumentException unknown) {
            return false;
        }
    }

    List<String> command(String workerName, List<String> archiveFlags) {
        List<String> command = new ArrayList<>(user.commandPrefix());
        // scripts cannot exit a worker: ScriptExitGuard
        List<String> flags = new ArrayList<>(List.of("-Djava.security.manager=allow"));
        flags.addAll(DEFAULT_FLAGS);
        if (jvmHas(TRIM_NATIVE_HEAP)) {
            flags.add("-XX:" + TRIM_NATIVE_HEAP + "=5000");
        }
        flags.addAll(archiveFlags);
        command.addAll(jvm.command(flags, Directives.WORKER_JAVA_OPTIONS, workerName, mainClass));
        command.add("--segment");
        command.add(segment.get().toString());
        command.add("--compiler-socket");
        command.add(compilerSocket.toString());
        command.addAll(directives.asArguments());
        return command;
    }

    /** Starts one worker (see {@link PoolJvmCommand#start}) with the class archive's flags of the moment. */
    Process start(String workerName) throws IOException {
        WorkerClassArchive.Use use = archive.next();
        Process process;
        try {
            process = PoolJvmCommand.start(command(workerName, use.flags()),
                    Map.of("MALLOC_ARENA_MAX", MALLOC_ARENAS));
        } catch (IOException | RuntimeException e) {
            archive.notStarted(use);
            throw e;
        }
        archive.started(use, process);
        return process;
    }
}
