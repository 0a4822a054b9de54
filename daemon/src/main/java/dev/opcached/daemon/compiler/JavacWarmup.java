package dev.opcached.daemon.compiler;

import dev.opcached.daemon.compile.BatchJavac;
import dev.opcached.daemon.compile.CompilerUnavailableException;
import dev.opcached.daemon.compile.LocalPoolCompiler;
import dev.opcached.daemon.compile.PoolCompiler;
import dev.opcached.daemon.filecache.FileCache;
import dev.opcached.daemon.filecache.FileCacheConfig;
import dev.opcached.daemon.runtime.CachePolicy;
import dev.opcached.daemon.runtime.ScriptClassPath;
import dev.opcached.protocol.common.DocrootContainment;
import dev.opcached.protocol.segment.EpochClock;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentConfig;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compiles a small generated tree a few times in a fresh compiler, beside its real work, so that
 * the pool's first real compile finds javac loaded and partly compiled by the JIT: a first javac
 * batch in a fresh JVM costs seconds of CPU that a warm one does not. Then it takes the tree through
 * what a reset asks of the compiler (is each unit current; load it back from the file cache), in a
 * segment and a file cache of its own, so that the first reset's loads, which workers' misses wait
 * for, do not run as cold code either. Nothing of it reaches the pool's segment or file cache.
 */
final class JavacWarmup {
    private static final Logger LOG = LoggerFactory.getLogger(JavacWarmup.class);
    private static final int CLASSES = 24;
    private static final int ROUNDS = 3;
    /** Times the scratch segment is emptied and loaded back from the scratch file cache. */
    private static final int RESET_ROUNDS = 20;

    private JavacWarmup() {
    }

    /** Runs the warm-up on a daemon thread of its own. */
    static void start() {
        new DefaultThreadFactory("javac-warmup", true, Thread.MIN_PRIORITY)
                .newThread(() -> run(Path.of(System.getProperty("java.io.tmpdir")))).start();
    }

    /** The warm-up, in a temporary directory under {@code temporaryRoot} that it deletes. */
    static void run(Path temporaryRoot) {
        long started = System.nanoTime();
        Path tree = null;
        try {
            tree = Files.createTempDirectory(temporaryRoot, "opcached-javac-warmup-");
            List<Path> sources = write(tree);
            BatchJavac javac = new BatchJavac(new DocrootContainment(tree), ScriptClassPath.of(tree.toRealPath()));
            for (int round = 0; round < ROUNDS; round++) {
                javac.compile(sources);
            }
            warmResets(tree, sources);
            LOG.info("javac warmed up in {} ms", (System.nanoTime() - started) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            // Only the first compile's speed is at stake.
            LOG.warn("javac warm-up failed: {}", e.toString());
        } finally {
            delete(tree);
        }
    }

    /**
     * A reset's work for the compiler, in a scratch segment and file cache: every entry dropped,
     * then the tree loaded back from the file cache (the first class brings the ring it uses) and
     * each class found current.
     */
    private static void warmResets(Path tree, List<Path> sources) throws IOException {
        Path scratch = Files.createDirectory(tree.resolve("scratch"));
        try (Segment segment = Segment.create(scratch.resolve("warm.seg"), new SegmentConfig(16 << 20, 64, 50))) {
            FileCache fileCache = FileCache.open(new FileCacheConfig(scratch.resolve("file_cache"),
                    scratch.resolve("file_cache.key"), false, 16 << 20), EpochClock.SYSTEM);
            LocalPoolCompiler compiler = LocalPoolCompiler.forDocroot(segment, tree.toRealPath(),
                    CachePolicy.singleRun(), EpochClock.SYSTEM, fileCache);
            // One root: the batch compiles (and files) the whole ring it uses, and logs one line.
            compiler.compile(sources.subList(0, 1), 60_000, PoolCompiler.Progress.NONE);
            String prefix = tree.toRealPath().toString();
            for (int round = 0; round < RESET_ROUNDS; round++) {
                segment.invalidatePrefix(prefix); // as a reset empties the cache, without a restart's log line
                for (Path source : sources) {
                    compiler.withoutCompiling(source, System.nanoTime() + TimeUnit.MINUTES.toNanos(1));
                }
            }
        } catch (CompilerUnavailableException e) {
            throw new IOException(e.getMessage(), e);
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
