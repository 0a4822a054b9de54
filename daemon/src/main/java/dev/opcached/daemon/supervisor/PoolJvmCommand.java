package dev.opcached.daemon.supervisor;

import dev.opcached.daemon.config.Directives;
import dev.opcached.daemon.logging.ProcessConverter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The command line of a JVM of this pool (a worker, the compiler): the same java, JVM flags and
 * class path as this supervisor (so that the flags of scripts/jvm.options reach it too), then the
 * process's own JVM options, its role in the logs, the log configuration and its entry point.
 */
final class PoolJvmCommand {
    private final Directives directives;
    private final List<String> jvmArguments;

    PoolJvmCommand(Directives directives) {
        this.directives = directives;
        this.jvmArguments = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                // a child is named by the supervisor; a debugger port cannot be shared
                .filter(flag -> !flag.startsWith("-D" + ProcessConverter.ROLE_PROPERTY + "=")
                        && !flag.startsWith("-agentlib:jdwp") && !flag.startsWith("-Xrunjdwp"))
                .toList();
    }

    /**
     * java, the supervisor's flags, {@code extraFlags}, then the flags named by the
     * {@code javaOptionsDirective} (after the supervisor's, so that the last of two -Xmx wins),
     * the role, the log configuration, the class path and {@code mainClass}; its arguments follow.
     */
    List<String> command(List<String> extraFlags, String javaOptionsDirective, String role, String mainClass) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArguments);
        command.addAll(extraFlags);
        String extra = directives.string(javaOptionsDirective).strip();
        if (!extra.isEmpty()) {
            command.addAll(List.of(extra.split("\\s+")));
        }
        command.add("-D" + ProcessConverter.ROLE_PROPERTY + "=" + role);
        String logConfig = directives.string(Directives.LOG_CONFIG);
        if (!logConfig.isEmpty()) {
            command.add("-Dlogback.configurationFile=" + Path.of(logConfig).toAbsolutePath());
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        return command;
    }

    /**
     * Starts {@code command}. Its stdout is the report pipe (read by its slot), its stderr (its
     * logs) is relayed into ours, its stdin stays open as its lifeline.
     */
    static Process start(List<String> command) throws IOException {
        return start(command, Map.of());
    }

    /** The same, with {@code defaultEnvironment} set where our own environment does not set it. */
    static Process start(List<String> command, Map<String, String> defaultEnvironment) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.PIPE)
                .redirectError(ProcessBuilder.Redirect.PIPE);
        defaultEnvironment.forEach(builder.environment()::putIfAbsent);
        return builder.start();
    }
}
