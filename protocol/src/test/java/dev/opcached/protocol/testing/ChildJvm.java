package dev.opcached.protocol.testing;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real JVM started by a test: same classpath and JVM flags, output captured to a file, stdin
 * kept open so that the child can exit when the test JVM dies (see {@link ChildMain}).
 */
public final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final Path output;
    private final String name;

    private ChildJvm(Process process, Path output, String name) {
        this.process = process;
        this.output = output;
        this.name = name;
    }

    /** Starts {@code main} with {@code args} in a new JVM. */
    public static ChildJvm start(Class<?> main, String... args) throws IOException {
        return start(System.getProperty("java.class.path"), main, args);
    }

    /** The same, on {@code classPath} instead of this JVM's. */
    public static ChildJvm start(String classPath, Class<?> main, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags());
        String logConfiguration = System.getProperty("logback.configurationFile");
        if (logConfiguration != null) {
            command.add("-Dlogback.configurationFile=" + logConfiguration);
        }
        command.add("-Xmx256m");
        command.add("-XX:+UseSerialGC");
        command.add("-XX:TieredStopAtLevel=1");
        // A child that is meant to crash (a write into a read-only mapping) leaves its report in
        // the temporary directory, not in the working tree, and no core file.
        command.add("-XX:ErrorFile=" + Path.of(System.getProperty("java.io.tmpdir"), "hs_err_child_%p.log"));
        command.add("-XX:-CreateCoredumpOnCrash");
        command.add("-cp");
        command.add(classPath);
        command.add(main.getName());
        command.addAll(Arrays.asList(args));
        Path output = Files.createTempFile("child-" + main.getSimpleName() + "-", ".log");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        return new ChildJvm(process, output, main.getSimpleName() + "[" + process.pid() + "]");
    }

    /** The flags Chronicle Bytes needs, from the one file that lists them, else from this JVM's own flags. */
    static List<String> jvmFlags() {
        String file = System.getProperty("opcached.jvmOptions");
        if (file != null && Files.isReadable(Path.of(file))) {
            return List.of("@" + file);
        }
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(flag -> flag.startsWith("--add-") || flag.startsWith("-Dchronicle"))
                .toList();
    }

    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process;
    }

    /** Everything the child printed so far. */
    public String output() {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<cannot read " + output + ": " + e + ">";
        }
    }

    /**
     * Waits until a line matches {@code regex}; fails early if the child exits first.
     *
     * @return the match, for its groups
     */
    public Matcher awaitLine(String regex, Duration timeout) throws Exception {
        Pattern pattern = Pattern.compile(regex, Pattern.MULTILINE);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Matcher matcher = pattern.matcher(output());
            if (matcher.find()) {
                return matcher;
            }
            if (!process.isAlive()) {
                matcher = pattern.matcher(output());
                if (matcher.find()) {
                    return matcher;
                }
                throw new IllegalStateException(name + " exited with " + process.exitValue()
                        + " before printing /" + regex + "/:\n" + output());
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new TimeoutException(name + " printed no /" + regex + "/ within " + timeout + ":\n" + output());
            }
            Thread.sleep(10);
        }
    }

    /** Closes the child's stdin: a {@link ChildMain} takes that as "finish now". */
    public void closeStdin() throws IOException {
        process.getOutputStream().close();
    }

    /** Waits for the child to exit and returns its exit code. */
    public int awaitExit(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new TimeoutException(name + " still running after " + timeout + ":\n" + output());
        }
        return process.exitValue();
    }

    /** SIGKILL, and wait until the kernel has reaped it. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The first group of the last line matching {@code regex}, if any. */
    public Optional<String> lastMatch(String regex) {
        Matcher matcher = Pattern.compile(regex, Pattern.MULTILINE).matcher(output());
        String last = null;
        while (matcher.find()) {
            last = matcher.group(1);
        }
        return Optional.ofNullable(last);
    }

    @Override
    public void close() throws IOException {
        if (process.isAlive()) {
            kill();
        }
        Files.deleteIfExists(output);
    }

    @Override
    public String toString() {
        return name;
    }
}
