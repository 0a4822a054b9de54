package dev.opcached.daemon.supervisor;

import dev.opcached.daemon.config.Directives;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Starts the pool's compiler JVM ({@link PoolJvmCommand}) with its own JVM options
 * ({@code opcached.compiler_java_options}: its heap cap), the current segment, its socket and the
 * directives. It runs as the supervisor's user, never as {@code user}: it is the pool's writer of
 * entries, which scripts (running as {@code user}) must not be able to tamper with.
 */
final class CompilerLauncher {
    /** Its role in the logs ({@code [PID compiler]}). */
    static final String ROLE = "compiler";

    private final Supplier<Path> segment;
    private final Path socket;
    private final Directives directives;
    private final String mainClass;
    private final PoolJvmCommand jvm;

    /**
     * @param segment   the segment a compiler started now attaches to (it changes when the segment is lost)
     * @param mainClass the compiler entry point (the real one, or a test's stand-in)
     */
    CompilerLauncher(Supplier<Path> segment, Path socket, Directives directives, String mainClass) {
        this.segment = segment;
        this.socket = socket;
        this.directives = directives;
        this.mainClass = mainClass;
        this.jvm = new PoolJvmCommand(directives);
    }

    Path socket() {
        return socket;
    }

    List<String> command() {
        List<String> command = new ArrayList<>(jvm.command(List.of(), Directives.COMPILER_JAVA_OPTIONS, ROLE, mainClass));
        command.add("--segment");
        command.add(segment.get().toString());
        command.add("--socket");
        command.add(socket.toString());
        command.addAll(directives.asArguments());
        return command;
    }

    Process start() throws IOException {
        return PoolJvmCommand.start(command());
    }
}
