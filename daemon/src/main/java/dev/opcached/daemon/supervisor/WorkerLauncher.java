package dev.opcached.daemon.supervisor;

import dev.opcached.daemon.config.Directives;
import dev.opcached.daemon.logging.ProcessConverter;
import dev.opcached.daemon.worker.WorkerMain;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts worker JVMs: the same java, JVM flags and class path as this supervisor (so the flags of
 * scripts/jvm.options reach them too), the worker entry point, the segment and the directives.
 */
final class WorkerLauncher {
    private final Path segment;
    private final Directives directives;
    private final List<String> jvmArguments;

    WorkerLauncher(Path segment, Directives directives) {
        this.segment = segment;
        this.directives = directives;
        this.jvmArguments = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                // a worker is named by the supervisor; a debugger port cannot be shared
                .filter(flag -> !flag.startsWith("-D" + ProcessConverter.ROLE_PROPERTY + "=")
                        && !flag.startsWith("-agentlib:jdwp") && !flag.startsWith("-Xrunjdwp"))
                .toList();
    }

    List<String> command(String workerName) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArguments);
        command.add("-Djava.security.manager=allow"); // scripts cannot exit a worker: ScriptExitGuard
        String extra = directives.string(Directives.WORKER_JAVA_OPTIONS).strip();
        if (!extra.isEmpty()) {
            // After the supervisor's flags, so that the last of two -Xmx, say, wins.
            command.addAll(java.util.List.of(extra.split("\\s+")));
        }
        command.add("-D" + ProcessConverter.ROLE_PROPERTY + "=" + workerName);
        String logConfig = directives.string(Directives.LOG_CONFIG);
        if (!logConfig.isEmpty()) {
            command.add("-Dlogback.configurationFile=" + Path.of(logConfig).toAbsolutePath());
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(WorkerMain.class.getName());
        command.add("--segment");
        command.add(segment.toString());
        command.addAll(directives.asArguments());
        return command;
    }

    /** Starts one worker; its output joins ours, its stdin stays open as its lifeline. */
    Process start(String workerName) throws IOException {
        return new ProcessBuilder(command(workerName))
                .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }
}
