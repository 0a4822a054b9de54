package dev.opcached.daemon.supervisor;

import dev.opcached.daemon.config.Directives;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Starts worker JVMs ({@link PoolJvmCommand}) with the worker entry point, the current segment,
 * the compiler's socket and the directives; as another user when {@code user} is set.
 */
final class WorkerLauncher {
    private final Supplier<Path> segment;
    private final Path compilerSocket;
    private final Directives directives;
    private final String mainClass;
    private final WorkerUser user;
    private final PoolJvmCommand jvm;

    /**
     * @param segment        the segment a worker started now attaches to (it changes when the segment is lost)
     * @param compilerSocket the pool's compiler channel, given to workers as {@code --compiler-socket}
     * @param mainClass      the worker entry point (the real one, or a test's stand-in)
     * @param user           the user workers run as
     */
    WorkerLauncher(Supplier<Path> segment, Path compilerSocket, Directives directives, String mainClass,
                   WorkerUser user) {
        this.segment = segment;
        this.compilerSocket = compilerSocket;
        this.directives = directives;
        this.mainClass = mainClass;
        this.user = user;
        this.jvm = new PoolJvmCommand(directives);
    }

    List<String> command(String workerName) {
        List<String> command = new ArrayList<>(user.commandPrefix());
        // scripts cannot exit a worker: ScriptExitGuard
        command.addAll(jvm.command(List.of("-Djava.security.manager=allow"), Directives.WORKER_JAVA_OPTIONS, workerName,
                mainClass));
        command.add("--segment");
        command.add(segment.get().toString());
        command.add("--compiler-socket");
        command.add(compilerSocket.toString());
        command.addAll(directives.asArguments());
        return command;
    }

    /** Starts one worker (see {@link PoolJvmCommand#start}). */
    Process start(String workerName) throws IOException {
        return PoolJvmCommand.start(command(workerName));
    }
}
