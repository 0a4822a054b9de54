package dev.opcached.daemon.supervisor;

import dev.opcached.daemon.config.Directives;
import dev.opcached.daemon.logging.ProcessConverter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Starts worker JVMs: the same java, JVM flags and class path as this supervisor (so the flags of
 * scripts/jvm.options reach them too), the worker entry point, the current segment and the
 * directives; as another user when {@code user} is set.
 */
final class WorkerLauncher {
    private final Supplier<Path> segment;
    private final Directives directives;
    private final String mainClass;
    private final WorkerUser user;
    private final List<String> jvmArguments;

    /**
     * @param segment   the segment a worker started now attaches to (it changes when the segment is lost)
     * @param mainClass the worker entry point (the real one, or a test's stand-in)
     * @param user      the user workers run as
     */
    WorkerLauncher(Supplier<Path> segment, Directives directives, String mainClass, WorkerUser user) {
        this.segment = segment;
        this.directives = directives;
        this.mainClass = mainClass;
        this.user = user;
        this.jvmArguments = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                // a worker is named by the supervisor; a debugger port cannot be shared
                .filter(flag -> !flag.startsWith("-D" + ProcessConverter.ROLE_PROPERTY + "=")
                        && !flag.startsWith("-agentlib:jdwp") && !flag.startsWith("-Xrunjdwp"))
                .toList();
    }

    List<String> command(String workerName) {
        List<String> command = new ArrayList<>(user.commandPrefix());
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArguments);
        command.add("-Djava.security.manager=allow"); // scripts cannot exit a worker: ScriptExitGuard
        String extra = directives.string(Directives.WORKER_JAVA_OPTIONS).strip();
        if (!extra.isEmpty()) {
            // After the supervisor's flags, so that the last of two -Xmx, say, wins.
            command.addAll(List.of(extra.split("\\s+")));
        }
        command.add("-D" + ProcessConverter.ROLE_PROPERTY + "=" + workerName);
        String logConfig = directives.string(Directives.LOG_CONFIG);
        if (!logConfig.isEmpty()) {
            command.add("-Dlogback.configurationFile=" + Path.of(logConfig).toAbsolutePath());
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.add("--segment");
        command.add(segment.get().toString());
        command.addAll(directives.asArguments());
        return command;
    }

    /**
     * Starts one worker. Its stdout is the report pipe (read by the slot), its stderr (its logs)
     * joins ours, its stdin stays open as its lifeline.
     */
    Process start(String workerName) throws IOException {
        return new ProcessBuilder(command(workerName))
                .redirectOutput(ProcessBuilder.Redirect.PIPE)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }
}
