package dev.opcached.daemon.compile;

import dev.opcached.daemon.runtime.ScriptClassPath;
import dev.opcached.daemon.testing.GeneratedApplication;
import dev.opcached.protocol.common.DocrootContainment;
import dev.opcached.protocol.unit.CompileUnit;
import dev.opcached.script.Script;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;

/**
 * The compile engine's benchmark (not a test: it asserts nothing and prints figures): one tree of
 * sources compiled (a) by {@link BatchJavac} in one batch, cold then warm, with
 * {@link UnitAssembler} after it, (a0) by a plain javac task in this JVM (javac's own warm cost),
 * (b) by one {@code javac} command line over the files (a) compiled, (c) file by file through the
 * single-file {@link ScriptCompiler} in this same, warm JVM.
 *
 * <pre>
 * java -cp "daemon/target/classes:daemon/target/test-classes:daemon/target/lib/*" \
 *     dev.opcached.daemon.compile.CompileEngineBenchmark [SOURCE_DIR] [--runs N] [--single-file-limit N]
 * </pre>
 *
 * Without SOURCE_DIR it writes {@link GeneratedApplication}'s 800-file tree into a temporary
 * directory; with one (for instance TheAlgorithms/Java's {@code src/main/java}) it compiles every
 * {@code .java} file under it.
 */
public final class CompileEngineBenchmark {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private CompileEngineBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        List<String> arguments = new ArrayList<>(Arrays.asList(args));
        int runs = intOption(arguments, "--runs", 3);
        int singleLimit = intOption(arguments, "--single-file-limit", Integer.MAX_VALUE);
        Path tree = arguments.isEmpty() ? null : Path.of(arguments.get(0));
        if (tree == null) {
            tree = Files.createTempDirectory("opcached-engine-bench");
            GeneratedApplication.write(tree);
        }
        DocrootContainment docroot = new DocrootContainment(tree);
        List<Path> sources;
        try (Stream<Path> files = Files.walk(docroot.root())) {
            sources = files.filter(f -> f.toString().endsWith(".java") && Files.isRegularFile(f)).sorted().toList();
        }
        ScriptClassPath classPath = ScriptClassPath.of(docroot.root());
        BatchJavac javac = new BatchJavac(docroot, classPath);
        UnitAssembler assembler = new UnitAssembler(docroot, javac.keyOptions());
        out.printf("tree: %s, %d sources; %s%n", docroot.root(), sources.size(), Runtime.version());

        // Cold first: the compiler process's first batch. Then the three measures in turn, so that
        // load from elsewhere on the machine spreads over all of them alike.
        long started = System.nanoTime();
        long cpu = CPU.getCurrentThreadCpuTime();
        BatchResult batch = javac.compile(sources);
        long cold = millis(System.nanoTime() - started);
        out.printf("(a) engine batch, cold JVM: %d ms (%d ms CPU): %d compiled, %d failed, %d passes%n", cold,
                millis(CPU.getCurrentThreadCpuTime() - cpu), batch.compiled().size(), batch.failed().size(),
                batch.passes());
        List<Path> good = batch.compiled().stream().map(SourceResult::path).toList();
        List<Long> engineMillis = new ArrayList<>();
        List<Long> unitMillis = new ArrayList<>();
        List<Long> plainMillis = new ArrayList<>();
        List<Long> commandMillis = new ArrayList<>();
        List<Long> engineCpu = new ArrayList<>();
        List<Long> plainCpu = new ArrayList<>();
        List<Long> commandCpu = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            started = System.nanoTime();
            cpu = CPU.getCurrentThreadCpuTime();
            batch = javac.compile(sources);
            long compiled = System.nanoTime();
            engineCpu.add(millis(CPU.getCurrentThreadCpuTime() - cpu));
            Map<Path, CompileUnit> units = assembler.assemble(batch);
            long assembled = System.nanoTime();
            engineMillis.add(millis(compiled - started));
            unitMillis.add(millis(assembled - compiled));
            out.printf("(a) engine batch, warm, run %d: %d ms (%d ms CPU), then %d units assembled in %d ms%n", run,
                    millis(compiled - started), engineCpu.get(run - 1), units.size(), millis(assembled - compiled));
            started = System.nanoTime();
            cpu = CPU.getCurrentThreadCpuTime();
            plainTask(good, docroot.root());
            plainMillis.add(millis(System.nanoTime() - started));
            plainCpu.add(millis(CPU.getCurrentThreadCpuTime() - cpu));
            out.printf("(a0) plain javac task in this JVM (no dependency recording, no containment), run %d: %d ms "
                    + "(%d ms CPU)%n", run, plainMillis.get(run - 1), plainCpu.get(run - 1));
            long[] command = commandLine(good, docroot.root(), classPath);
            commandMillis.add(command[0]);
            commandCpu.add(command[1]);
            out.printf("(b) javac command line, %d files, run %d: %d ms (%d ms CPU, all its threads)%n", good.size(),
                    run, command[0], command[1]);
        }

        ScriptCompiler single = new ScriptCompiler(docroot, classPath);
        List<Path> one = sources.subList(0, Math.min(singleLimit, sources.size()));
        started = System.nanoTime();
        cpu = CPU.getCurrentThreadCpuTime();
        int ok = 0;
        for (Path source : one) {
            if (single.compile(source, Files.readAllBytes(source)).success()) {
                ok++;
            }
        }
        long singleMillis = millis(System.nanoTime() - started);
        long singleCpu = millis(CPU.getCurrentThreadCpuTime() - cpu);
        out.printf("(c) single-file compiles in this JVM, %d files (%d compiled): %d ms (%d ms CPU), %.1f ms a file%n",
                one.size(), ok, singleMillis, singleCpu, (double) singleMillis / one.size());

        long warm = median(engineMillis);
        long command = median(commandMillis);
        out.printf("summary (medians of %d runs, wall / CPU ms): engine cold %d; engine warm %d / %d, units %d; "
                        + "plain in-JVM task %d / %d; javac command line %d / %d; engine warm / command line %.2f "
                        + "(with units %.2f); single-file %.1f ms a file (%d files)%n", runs, cold, warm,
                median(engineCpu), median(unitMillis), median(plainMillis), median(plainCpu), command,
                median(commandCpu), (double) warm / command, (double) (warm + median(unitMillis)) / command,
                (double) singleMillis / one.size(), one.size());
    }

    /** One javac task in this JVM over {@code files} with the standard file manager: javac's own warm cost. */
    private static void plainTask(List<Path> files, Path root) throws IOException {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        try (StandardJavaFileManager standard = compiler.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8)) {
            standard.setLocationFromPaths(StandardLocation.SOURCE_PATH, List.of(root));
            standard.setLocationFromPaths(StandardLocation.CLASS_PATH, List.of(Path.of(apiLocation())));
            Boolean ok = compiler.getTask(null, new ClassOutput(standard), null,
                    List.of("-proc:none", "-implicit:class", "-g", "-encoding", "UTF-8", "-Xlint:none", "-nowarn"), null,
                    standard.getJavaFileObjectsFromPaths(files)).call();
            if (!ok) {
                throw new IllegalStateException("the plain javac task failed");
            }
        }
    }

    /**
     * One plain javac process over {@code files}, with the options and class path the engine uses:
     * its wall time and its CPU time (user + system, all its threads, from the shell's {@code times}).
     */
    private static long[] commandLine(List<Path> files, Path root, ScriptClassPath classPath)
            throws IOException, InterruptedException {
        Path work = Files.createTempDirectory("opcached-javac-bench");
        Path argfile = Files.write(work.resolve("files"), files.stream().map(Path::toString).toList(),
                StandardCharsets.UTF_8);
        List<String> classPathEntries = new ArrayList<>();
        classPathEntries.add(apiLocation());
        classPath.vendorJars().forEach(jar -> classPathEntries.add(jar.toString()));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "javac").toString(),
                "-d", work.resolve("classes").toString(), "-sourcepath", root.toString(),
                "-cp", String.join(":", classPathEntries), "-proc:none", "-implicit:class", "-g",
                "-encoding", "UTF-8", "-Xlint:none", "-nowarn", "@" + argfile));
        Path times = work.resolve("times");
        List<String> shell = new ArrayList<>(List.of("bash", "-c", "\"$@\" && times > " + times, "javac"));
        shell.addAll(command);
        long started = System.nanoTime();
        Process javac = new ProcessBuilder(shell).redirectErrorStream(true)
                .redirectOutput(work.resolve("javac.log").toFile()).start();
        if (!javac.waitFor(10, TimeUnit.MINUTES) || javac.exitValue() != 0) {
            throw new IllegalStateException("javac failed: see " + work.resolve("javac.log"));
        }
        long wall = millis(System.nanoTime() - started);
        List<String> timesLines = Files.readAllLines(times);
        try (Stream<Path> written = Files.walk(work)) {
            for (Path file : written.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
        // times: the shell's own user and system time, then its children's ("0m1.234s 0m0.056s").
        String children = timesLines.get(1);
        long cpu = 0;
        for (String part : children.trim().split("\\s+")) {
            String[] minutes = part.replace("s", "").split("m");
            cpu += Math.round((Long.parseLong(minutes[0]) * 60 + Double.parseDouble(minutes[1])) * 1000);
        }
        return new long[] {wall, cpu};
    }

    /** The directory or jar the script API comes from (the daemon's classes; plain javac may see them all). */
    private static String apiLocation() {
        try {
            return Path.of(Script.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int intOption(List<String> arguments, String name, int fallback) {
        int at = arguments.indexOf(name);
        if (at < 0) {
            return fallback;
        }
        int value = Integer.parseInt(arguments.get(at + 1));
        arguments.subList(at, at + 2).clear();
        return value;
    }

    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().collect(Collectors.toList());
        return sorted.get(sorted.size() / 2);
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
