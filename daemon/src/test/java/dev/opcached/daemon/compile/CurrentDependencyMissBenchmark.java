package dev.opcached.daemon.compile;

import dev.opcached.daemon.runtime.CachePolicy;
import dev.opcached.daemon.runtime.ScriptSource;
import dev.opcached.protocol.common.DocrootContainment;
import dev.opcached.protocol.segment.EpochClock;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

/**
 * The cost of one miss of a page whose dependencies are all current (not a test: it asserts
 * nothing and prints figures). A layered library ({@code lib/p0} … {@code lib/pL}, M modules
 * each, module j of a layer calling module j of the layer below) and a page using the top
 * layer's first U modules, so that its closure holds U × layers modules, all in the segment.
 * Each round edits the page (new content, an older mtime of its own) and has the pool compiler
 * compile it, alternately with current dependencies served from their units (this engine) and
 * with every dependency compiled from source (as before: the batch compiler is handed
 * {@link CurrentUnits#NONE}). Both go through the same {@link LocalPoolCompiler} and segment.
 *
 * <pre>
 * java @scripts/jvm.options -cp "daemon/target/classes:daemon/target/test-classes:daemon/target/lib/*" \
 *     dev.opcached.daemon.compile.CurrentDependencyMissBenchmark [--layers 6] [--modules 30] [--uses 10] [--rounds 15]
 * </pre>
 */
public final class CurrentDependencyMissBenchmark {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private CurrentDependencyMissBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        int layers = option(args, "--layers", 6);
        int modules = option(args, "--modules", 30);
        int uses = option(args, "--uses", 10);
        int rounds = option(args, "--rounds", 15);
        int warmup = option(args, "--warmup", 10);
        Path dir = Files.createTempDirectory("opcached-miss-bench");
        Path docroot = Files.createDirectories(dir.resolve("www")).toRealPath();
        long mtime = System.currentTimeMillis() - 3_600_000;
        for (int layer = 0; layer < layers; layer++) {
            for (int j = 0; j < modules; j++) {
                Path file = Files.createDirectories(docroot.resolve("lib/p" + layer)).resolve("M" + j + ".java");
                Files.writeString(file, module(layer, j));
                Files.setLastModifiedTime(file, FileTime.fromMillis(mtime));
            }
        }
        Path page = docroot.resolve("page.java");
        try (Segment segment = Segment.create(dir.resolve("bench.seg"), new SegmentConfig(64 << 20, 4096, 5))) {
            DocrootBatchCompiler engine = new DocrootBatchCompiler(new DocrootContainment(docroot));
            int[] lastCompiled = new int[1];
            SourceBatchCompiler served = (roots, current) -> counted(engine.compile(roots, current), lastCompiled);
            SourceBatchCompiler fromSource = (roots, current) -> counted(engine.compile(roots, CurrentUnits.NONE),
                    lastCompiled);
            CachePolicy policy = CachePolicy.singleRun();
            ScriptSource source = new ScriptSource(new DocrootContainment(docroot));
            PoolCompiler[] compilers = {
                new LocalPoolCompiler(segment, source, policy, EpochClock.SYSTEM, served),
                new LocalPoolCompiler(segment, source, policy, EpochClock.SYSTEM, fromSource),
            };
            String[] names = {"current dependencies served", "every dependency from source"};
            List<List<Long>> wall = List.of(new ArrayList<>(), new ArrayList<>());
            List<List<Long>> cpu = List.of(new ArrayList<>(), new ArrayList<>());
            int[] compiled = new int[2];
            out.printf("docroot %s: %d layers x %d modules, the page uses %d top modules (closure %d); %s%n", docroot,
                    layers, modules, uses, uses * layers, Runtime.version());
            int edit = 0;
            for (int round = -warmup; round < rounds; round++) {
                for (int mode = 0; mode < 2; mode++) {
                    Files.writeString(page, page(uses, layers, edit));
                    Files.setLastModifiedTime(page, FileTime.fromMillis(mtime + 1_000L * ++edit));
                    long started = System.nanoTime();
                    long cpuStarted = CPU.getCurrentThreadCpuTime();
                    FileOutcome outcome = compilers[mode].compile(List.of(page), 600_000, PoolCompiler.Progress.NONE)
                            .get(0);
                    long cpuMicros = (CPU.getCurrentThreadCpuTime() - cpuStarted) / 1_000;
                    long wallMicros = (System.nanoTime() - started) / 1_000;
                    if (!outcome.inSegment()) {
                        throw new IllegalStateException("the page did not compile: " + outcome);
                    }
                    if (round >= 0) {
                        wall.get(mode).add(wallMicros);
                        cpu.get(mode).add(cpuMicros);
                        compiled[mode] = lastCompiled[0];
                    }
                }
            }
            for (int mode = 0; mode < 2; mode++) {
                out.printf("%s: %d sources compiled a miss; median %.1f ms [%.1f-%.1f] wall, %.1f ms CPU [%.1f-%.1f]"
                                + " (%d rounds)%n", names[mode], compiled[mode], median(wall.get(mode)),
                        min(wall.get(mode)), max(wall.get(mode)), median(cpu.get(mode)), min(cpu.get(mode)),
                        max(cpu.get(mode)), rounds);
            }
        }
    }

    private static SourceBatchCompiler.Batch counted(SourceBatchCompiler.Batch batch, int[] compiled) {
        compiled[0] = batch.sources().size();
        return batch;
    }

    private static String module(int layer, int j) {
        String below = layer == 0 ? "\"base\"" : "lib.p" + (layer - 1) + ".M" + j + ".describe()";
        return "package lib.p" + layer + ";\n\npublic final class M" + j + " {\n"
                + "    public static final int VERSION = " + (layer * 1000 + j) + ";\n"
                + "    private M" + j + "() {\n    }\n\n"
                + "    public static String describe() {\n"
                + "        StringBuilder text = new StringBuilder(\"M" + j + "@p" + layer + "/\");\n"
                + "        for (int i = 0; i < 3; i++) {\n"
                + "            text.append(i).append(',');\n        }\n"
                + "        return text.append(VERSION).append(' ').append(" + below + ").toString();\n    }\n\n"
                + "    public static int sum(int[] values) {\n        int total = 0;\n"
                + "        for (int value : values) {\n            total += value;\n        }\n"
                + "        return total;\n    }\n}\n";
    }

    private static String page(int uses, int layers, int edit) {
        StringBuilder body = new StringBuilder();
        for (int j = 0; j < uses; j++) {
            body.append("        response.write(lib.p").append(layers - 1).append(".M").append(j).append(".describe());\n");
        }
        return "import dev.opcached.script.*;\n\npublic class page implements Script {\n"
                + "    public void handle(Request request, Response response) throws Exception {\n"
                + "        response.write(\"edit " + edit + "\\n\");\n" + body + "    }\n}\n";
    }

    private static int option(String[] args, String name, int fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }

    private static double median(List<Long> micros) {
        List<Long> sorted = micros.stream().sorted().toList();
        return sorted.get(sorted.size() / 2) / 1000.0;
    }

    private static double min(List<Long> micros) {
        return micros.stream().mapToLong(Long::longValue).min().orElse(0) / 1000.0;
    }

    private static double max(List<Long> micros) {
        return micros.stream().mapToLong(Long::longValue).max().orElse(0) / 1000.0;
    }
}
