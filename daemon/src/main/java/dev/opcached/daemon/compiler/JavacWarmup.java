package dev.opcached.daemon.compiler;

import dev.opcached.daemon.compile.BatchJavac;
import dev.opcached.daemon.runtime.ScriptClassPath;
import dev.opcached.protocol.common.DocrootContainment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compiles a small generated tree a few times in a fresh compiler, beside its real work, so that
 * the pool's first real compile finds javac loaded and partly compiled by the JIT: a first javac
 * batch in a fresh JVM costs seconds of CPU that a warm one does not. Nothing of it reaches the
 * segment or the file cache.
 */
final class JavacWarmup {
    private static final Logger LOG = LoggerFactory.getLogger(JavacWarmup.class);
    private static final int CLASSES = 24;
    private static final int ROUNDS = 3;

    private JavacWarmup() {
    }

    /** Runs the warm-up on a daemon thread of its own. */
    static void start() {
        Thread thread = new Thread(JavacWarmup::run, "javac-warmup");
        thread.setDaemon(true);
        thread.setPriority(Thread.MIN_PRIORITY);
        thread.start();
    }

    private static void run() {
        long started = System.nanoTime();
        Path tree = null;
        try {
            tree = Files.createTempDirectory("opcached-javac-warmup-");
            List<Path> sources = write(tree);
            BatchJavac javac = new BatchJavac(new DocrootContainment(tree), ScriptClassPath.of(tree.toRealPath()));
            for (int round = 0; round < ROUNDS; round++) {
                javac.compile(sources);
            }
            LOG.info("javac warmed up in {} ms", (System.nanoTime() - started) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            // Only the first compile's speed is at stake.
            LOG.warn("javac warm-up failed: {}", e.toString());
        } finally {
            delete(tree);
        }
    }

    /** Classes that use each other through fields, generics, lambdas and constants, as scripts do. */
    private static List<Path> write(Path tree) throws IOException {
        Path pkg = Files.createDirectories(tree.resolve("warm"));
        List<Path> sources = new ArrayList<>();
        for (int i = 0; i < CLASSES; i++) {
            String next = "W" + ((i + 1) % CLASSES);
            String source = "package warm;\nimport java.util.*;\nimport java.util.function.*;\n"
                    + "public final class W" + i + " {\n"
                    + "    public static final int K = " + i + ";\n"
                    + "    private final Map<String, List<Integer>> values = new HashMap<>();\n"
                    + "    public String render(int n) {\n"
                    + "        StringBuilder out = new StringBuilder();\n"
                    + "        Function<Integer, String> f = x -> \"<li>\" + (x * K + " + next + ".K) + \"</li>\";\n"
                    + "        for (int j = 0; j < n; j++) { values.computeIfAbsent(\"k\" + j, k -> new ArrayList<>()).add(j); out.append(f.apply(j)); }\n"
                    + "        return out.toString() + values.size();\n"
                    + "    }\n"
                    + "}\n";
            sources.add(Files.writeString(pkg.resolve("W" + i + ".java"), source).toRealPath());
        }
        return sources;
    }

    private static void delete(Path tree) {
        if (tree == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(tree)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            LOG.debug("javac warm-up left {}: {}", tree, e.toString());
        }
    }
}
