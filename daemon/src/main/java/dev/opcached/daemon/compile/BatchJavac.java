package dev.opcached.daemon.compile;

import com.sun.source.util.JavacTask;
import dev.opcached.daemon.runtime.ScriptClassPath;
import dev.opcached.protocol.common.DocrootContainment;
import dev.opcached.protocol.common.LogText;
import dev.opcached.protocol.segment.ClassFile;
import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.unit.Dependency;
import dev.opcached.protocol.unit.Sha256;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compiles a list of docroot sources in one javac task, with everything they use from the docroot
 * (javac reads it from the source path and compiles it too: {@code -implicit:class}), and says per
 * source file what it read, what came out, what the file depends on and why it failed. A docroot
 * source whose unit is current ({@link ServedDependencies}: it and its whole closure) is read from
 * that unit's class files instead and not compiled.
 *
 * <p>javac writes no class file once any error is reported (it still attributes every class, so
 * that all errors and all dependencies of the batch are known). A batch with broken files
 * therefore runs again without them: the broken files and those that use them, directly or not,
 * fail; every other source read comes out compiled from the next pass, from the same bytes. A
 * source that crashes javac itself (a stack overflow on an expression nested deep enough) makes
 * the batch halve its roots until the crash is alone with the roots that read that file.
 *
 * <p>The security rules are the single-file compile's: only docroot sources by the containment
 * rule ({@link DocrootSourceFileManager}), no link or FIFO followed or opened, no annotation
 * processing, the script class path only ({@link ScriptApiFileManager}), the JDK limited to the
 * modules scripts can load.
 *
 * <p>Thread-safe: each {@link #compile} is a javac task of its own.
 */
public final class BatchJavac {
    private static final Logger LOG = LoggerFactory.getLogger(BatchJavac.class);
    /**
     * javac's options. {@code -Xmaxerrs} unlimited: by default javac stops reporting after 100
     * errors, and a file whose errors go unreported would pass as good.
     */
    private static final List<String> OPTIONS = List.of("-proc:none", "-implicit:class", "-g", "-encoding", "UTF-8",
            "-Xlint:none", "-nowarn", "-Xmaxerrs", String.valueOf(Integer.MAX_VALUE));
    /**
     * javac's code of "duplicate class": two roots of one pass that declare the same class (a
     * secondary class of the same name in two scripts) clash only when compiled together.
     */
    private static final String DUPLICATE_CLASS = "compiler.err.duplicate.class";
    /** The lines kept of one file's errors; the rest are counted. */
    static final int MAX_LINES_PER_FILE = 50;

    private final JavaCompiler javac;
    private final DocrootContainment docroot;
    private final ScriptClassPath classPath;
    private final List<String> options;
    private final List<String> keyOptions;

    /**
     * @param docroot   the source path, by the containment rule
     * @param classPath the script API and the docroot's jars
     */
    public BatchJavac(DocrootContainment docroot, ScriptClassPath classPath) {
        this.javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IllegalStateException("no Java compiler in this runtime: opcached needs a JDK, not a JRE");
        }
        this.docroot = docroot;
        this.classPath = classPath;
        List<String> options = new ArrayList<>(OPTIONS);
        // The JDK modules a script's class loader can reach, so that naming another is a compile
        // error rather than a NoClassDefFoundError when the script runs.
        options.addAll(List.of("--limit-modules", String.join(",", ScriptClassPath.platformModules())));
        this.options = List.copyOf(options);
        List<String> keyOptions = new ArrayList<>(options);
        keyOptions.add("opcached.script-api=" + apiDigest(classPath.apiClasses()).hex());
        this.keyOptions = List.copyOf(keyOptions);
    }

    /** The options javac is given. */
    public List<String> options() {
        return options;
    }

    /** The vendor jars on this engine's class path. */
    List<Path> vendorJars() {
        return classPath.vendorJars();
    }

    /**
     * The options as a unit key sees them: javac's, and the digest of the script API's class files,
     * which scripts are compiled against as much as against the JDK.
     */
    public List<String> keyOptions() {
        return keyOptions;
    }

    /**
     * Compiles {@code realPaths} (real paths of sources in the docroot) and every docroot source
     * they use, in one javac task (or more, when some are broken).
     *
     * @throws IOException when the compiler's own file manager cannot be set up
     */
    public BatchResult compile(Collection<Path> realPaths) throws IOException {
        return compile(realPaths, CurrentUnits.NONE);
    }

    /**
     * Compiles {@code realPaths} and every docroot source they use that has no current unit in
     * {@code current} (by {@link ServedDependencies}' rule); javac reads the others' class files.
     *
     * @throws IOException when the compiler's own file manager cannot be set up
     */
    public BatchResult compile(Collection<Path> realPaths, CurrentUnits current) throws IOException {
        long started = System.nanoTime();
        // No stamp of the batch is taken before this: the time racy stamps are judged against.
        long startedMillis = System.currentTimeMillis();
        Map<Path, SourceStamp> jars = new TreeMap<>();
        for (Path jar : classPath.vendorJars()) {
            SourceStamp stamp = SourceStamp.of(jar);
            if (stamp != null) {
                jars.put(jar, stamp);
            }
        }
        SourceReads reads = new SourceReads();
        Map<Path, String> rejected = new TreeMap<>();
        Map<Path, SourceResult> results = new TreeMap<>();
        int passes = 0;
        Map<Path, CurrentUnits.Current> servedUnits;
        try (StandardJavaFileManager standard = javac.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8)) {
            standard.setLocationFromPaths(StandardLocation.SOURCE_PATH, List.of(docroot.root()));
            standard.setLocationFromPaths(StandardLocation.CLASS_PATH, classPath.vendorJars());
            DocrootSourceFileManager sources = new DocrootSourceFileManager(standard, docroot, reads);
            Set<Path> accepted = new TreeSet<>();
            for (Path root : new TreeSet<>(realPaths)) {
                if (!root.getFileName().toString().endsWith(".java")) {
                    rejected.put(root, "not a .java source");
                } else if (rootObject(standard, sources, root) == null) {
                    rejected.put(root, whyNotASource(root));
                } else {
                    accepted.add(root);
                }
            }
            ServedDependencies served = new ServedDependencies(current, accepted, jars);
            Deque<Set<Path>> parts = new ArrayDeque<>();
            parts.push(accepted);
            while (!parts.isEmpty()) {
                Set<Path> pending = new TreeSet<>(parts.pop());
                pending.removeAll(results.keySet());
                if (pending.isEmpty()) {
                    continue;
                }
                passes++;
                Pass pass = run(standard, sources, served, pending, new PassContext(reads, served, jars, startedMillis));
                if (pass.crashed) {
                    // javac itself failed on some file it read: halve the roots until that file (or
                    // the roots that use it) are alone, so that the crash costs only them.
                    if (pending.size() == 1) {
                        pass.failAll(pending, reads, results);
                    } else {
                        List<Path> roots = List.copyOf(pending);
                        parts.push(new TreeSet<>(roots.subList(roots.size() / 2, roots.size())));
                        parts.push(new TreeSet<>(roots.subList(0, roots.size() / 2)));
                    }
                    continue;
                }
                Set<Path> next = pass.settle(reads, results);
                if (next.equals(pending)) {
                    // javac keeps failing on files none of these was seen to use: give up on them.
                    pass.failAll(next, reads, results);
                } else if (!next.isEmpty()) {
                    parts.push(next);
                }
            }
            for (Path root : accepted) {
                if (!results.containsKey(root)) {
                    // javac stopped (crashed) before it read the file: every root gets an answer.
                    rejected.put(root, "not compiled: javac stopped before reading it");
                }
            }
            servedUnits = served.all();
        }
        long micros = (System.nanoTime() - started) / 1_000;
        BatchResult batch = new BatchResult(List.copyOf(results.values()), rejected, jars, servedUnits, passes, micros);
        LOG.info("batch of {} roots: {} sources compiled, {} failed, {} refused, {} served as class files, {} pass(es),"
                + " {} ms", realPaths.size(), batch.compiled().size(), batch.failed().size(), rejected.size(),
                servedUnits.size(), passes, micros / 1000);
        return batch;
    }

    private static JavaFileObject rootObject(StandardJavaFileManager standard, DocrootSourceFileManager sources,
                                             Path root) {
        for (JavaFileObject file : standard.getJavaFileObjects(root)) {
            return sources.root(file, root);
        }
        return null;
    }

    /** Why {@code root} is refused, without its path (the caller names it). */
    private static String whyNotASource(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return "no such file";
        }
        if (!Files.isRegularFile(root, LinkOption.NOFOLLOW_LINKS)) {
            return "not a regular file (a link, a directory, a FIFO or a device)";
        }
        return "does not resolve to itself in the docroot";
    }

    private Pass run(StandardJavaFileManager standard, DocrootSourceFileManager sources, ServedDependencies served,
                     Set<Path> roots, PassContext context) {
        DocrootSourceFileManager.Looked looked = sources.beginPass();
        List<JavaFileObject> files = new ArrayList<>();
        for (Path root : roots) {
            JavaFileObject file = rootObject(standard, sources, root);
            if (file != null) {
                files.add(file);
            }
        }
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        ClassOutput output = new ClassOutput(new ScriptApiFileManager(new ServedClassFileManager(sources, served),
                classPath.apiClasses()));
        // What javac prints besides diagnostics (its own crash report), kept from the process's stderr.
        StringWriter printed = new StringWriter();
        JavacTask task = (JavacTask) javac.getTask(printed, output, diagnostics, options, null, files);
        DependencyRecorder recorder = new DependencyRecorder(task, sources, served);
        task.addTaskListener(recorder);
        Pass pass = new Pass(roots, recorder, output, looked, context);
        try {
            if (!task.call() && diagnostics.getDiagnostics().stream().noneMatch(d -> d.getKind() == Diagnostic.Kind.ERROR)) {
                // javac catches its own crashes (a StackOverflowError on an expression nested deep
                // enough, a failed internal check), prints them and answers false.
                pass.crash(crashLine(printed.toString()));
            }
        } catch (RuntimeException | AssertionError | StackOverflowError e) {
            // The same thrown out of javac (or out of our listener). An OutOfMemoryError thrown out
            // is the process's; one javac caught itself ends up above, as a crash.
            pass.crash(e.toString());
        }
        for (Diagnostic<? extends JavaFileObject> diagnostic : diagnostics.getDiagnostics()) {
            if (diagnostic.getKind() != Diagnostic.Kind.ERROR) {
                continue;
            }
            if (roots.size() > 1 && DUPLICATE_CLASS.equals(diagnostic.getCode())) {
                pass.rootsClash = true;
            }
            Path file = diagnostic.getSource() == null ? null : sources.realPath(diagnostic.getSource());
            String message = diagnostic.getMessage(Locale.ROOT);
            if (file == null) {
                pass.general.add("error: " + message);
                continue;
            }
            List<String> lines = pass.errors.computeIfAbsent(file, f -> new ArrayList<>());
            int count = pass.errorCounts.merge(file, 1, Integer::sum);
            if (count <= MAX_LINES_PER_FILE) {
                lines.add(file + ":" + diagnostic.getLineNumber() + ": error: " + message);
            }
        }
        pass.errorCounts.forEach((file, count) -> {
            if (count > MAX_LINES_PER_FILE) {
                pass.errors.get(file).add(file + ": " + (count - MAX_LINES_PER_FILE) + " more errors");
            }
        });
        return pass;
    }

    /** The exception javac reported in {@code printed} (its crash report), or a line that says there was none. */
    private static String crashLine(String printed) {
        return printed.lines().map(String::strip)
                .filter(line -> line.matches("[\\w.$]+(Error|Exception)(: .*)?"))
                .findFirst().orElse("javac failed without an error diagnostic");
    }

    /** What a pass's inputs are made of besides what it looked at: the batch's reads, served units and jars. */
    private record PassContext(SourceReads reads, ServedDependencies served, Map<Path, SourceStamp> jars,
                               long startedMillis) {
    }

    /** One javac task over some roots: what it entered, looked at, reported and wrote. */
    private static final class Pass {
        final Set<Path> roots;
        final DependencyRecorder recorder;
        final ClassOutput output;
        final DocrootSourceFileManager.Looked looked;
        final PassContext context;
        final Map<Path, List<String>> errors = new TreeMap<>();
        final Map<Path, Integer> errorCounts = new HashMap<>();
        final List<String> general = new ArrayList<>();
        boolean crashed;
        /** Whether two of the roots declared one class: an error of this batch, not of either file alone. */
        boolean rootsClash;
        /** What this pass depended on, made once for all the files it fails; null until asked. */
        private PassInputs inputs;
        private boolean inputsKnown;

        Pass(Set<Path> roots, DependencyRecorder recorder, ClassOutput output, DocrootSourceFileManager.Looked looked,
             PassContext context) {
            this.roots = roots;
            this.recorder = recorder;
            this.output = output;
            this.looked = looked;
            this.context = context;
        }

        /**
         * What the pass depended on, and so what its failures hold for: the sources it read, the
         * served sources whose class files it opened, with their units' closures (what made them
         * served), the directories it listed and the jars (a served unit of a listed package that
         * javac never opened is no input: a class added or removed shows in its directory); null
         * when a source could not be read (an I/O error need not happen again), when roots
         * clashed (each alone may compile: the failure holds for this batch, not for the file) or
         * when the pass crashed (javac's own failure, an OutOfMemoryError javac caught, or an
         * exception out of our listener or file managers: no verdict on any text, and it need not
         * happen again).
         */
        PassInputs inputs() {
            if (!inputsKnown) {
                inputsKnown = true;
                if (!looked.unreadable() && !rootsClash && !crashed) {
                    Map<Path, SourceStamp> sources = new HashMap<>();
                    for (Path path : looked.read()) {
                        sources.put(path, context.reads().get(path).stamp());
                    }
                    for (Path path : looked.servedOpened()) {
                        served(path, sources);
                        for (Dependency input : context.served().served(path).unit().sources()) {
                            served(Path.of(input.path()), sources);
                        }
                    }
                    inputs = new PassInputs(sources, context.jars(), looked.listed(), context.startedMillis());
                }
            }
            return inputs;
        }

        /** Adds the served source at {@code path} with the stamp its unit was found current for. */
        private void served(Path path, Map<Path, SourceStamp> sources) {
            CurrentUnits.Current unit = context.served().served(path);
            if (unit != null) {
                sources.putIfAbsent(path, unit.stamp());
            }
        }

        void crash(String what) {
            crashed = true;
            LOG.warn("javac crashed on a batch of {} roots: {}", roots.size(), LogText.escape(what));
            general.add("error: javac crashed compiling this file or one it uses: " + what);
        }

        /** The sources this pass read: the roots and what javac pulled in. */
        Set<Path> read() {
            Set<Path> read = new TreeSet<>(roots);
            read.addAll(recorder.entered());
            return read;
        }

        /**
         * Files the results of this pass: all of them when it was clean, else the broken files and
         * their dependents. Returns the sources left for the next pass.
         */
        Set<Path> settle(SourceReads reads, Map<Path, SourceResult> results) {
            Set<Path> read = read();
            if (!general.isEmpty() || errors.keySet().stream().anyMatch(f -> reads.get(f) == null)) {
                failAll(read, reads, results);
                return Set.of();
            }
            Set<Path> failing = errors.isEmpty() ? Set.of() : dependentsOf(errors.keySet(), read);
            for (Path file : failing) {
                SourceRead source = reads.get(file);
                if (source != null && !results.containsKey(file)) {
                    results.put(file, failed(source, List.copyOf(recorder.usesOf(file).keySet()),
                            diagnostics(file, failing), inputs()));
                }
            }
            Set<Path> next = new TreeSet<>();
            for (Path file : read) {
                if (results.containsKey(file) || failing.contains(file)) {
                    continue;
                }
                SourceRead source = reads.get(file);
                if (source == null || !failing.isEmpty()) {
                    // javac wrote no class file after the first error: this one compiles in the next pass.
                    next.add(file);
                } else {
                    List<ClassFile> classes = output.classesOf(file.toUri());
                    List<Path> dependencies = List.copyOf(recorder.usesOf(file).keySet());
                    results.put(file, classes.isEmpty()
                            ? failed(source, dependencies, List.of(file + ":1: error: declares no class"), inputs())
                            : new SourceResult(file, source.stamp(), source.bytes(), source.hash(), classes,
                                    dependencies, List.of(), false, null));
                }
            }
            return next;
        }

        /**
         * Every file of {@code files} fails, with this pass's general errors (as its own) and its
         * own. A file with no error of its own, in a pass of several roots, failed for the batch
         * (another file's errors, or errors nobody was seen to cause): alone it may compile, so its
         * failure records no inputs and holds for the short period only.
         */
        void failAll(Set<Path> files, SourceReads reads, Map<Path, SourceResult> results) {
            for (Path file : files) {
                SourceRead source = reads.get(file);
                if (source != null && !results.containsKey(file)) {
                    List<String> lines = new ArrayList<>();
                    general.forEach(line -> lines.add(file + ":1: " + line));
                    lines.addAll(errors.getOrDefault(file, List.of()));
                    if (lines.isEmpty()) {
                        lines.add(file + ":1: error: not compiled: the batch failed on "
                                + String.join(", ", errors.keySet().stream().map(Path::toString).toList()));
                    }
                    PassInputs inputs = errors.containsKey(file) || roots.size() == 1 ? inputs() : null;
                    results.put(file, failed(source, List.copyOf(recorder.usesOf(file).keySet()), lines, inputs));
                }
            }
        }

        /** {@code broken} and every file of {@code read} that uses one of them, directly or not. */
        private Set<Path> dependentsOf(Set<Path> broken, Set<Path> read) {
            Map<Path, List<Path>> usedBy = new HashMap<>();
            for (Path file : read) {
                for (Path dependency : recorder.usesOf(file).keySet()) {
                    usedBy.computeIfAbsent(dependency, d -> new ArrayList<>()).add(file);
                }
            }
            Set<Path> failing = new TreeSet<>(broken);
            Deque<Path> todo = new ArrayDeque<>(broken);
            while (!todo.isEmpty()) {
                for (Path user : usedBy.getOrDefault(todo.pop(), List.of())) {
                    if (failing.add(user)) {
                        todo.push(user);
                    }
                }
            }
            return failing;
        }

        /**
         * A failing file's lines: its own errors, each failing file it uses (where), then the
         * errors of every broken file it reaches, so that the answer names the file to fix.
         */
        private List<String> diagnostics(Path file, Set<Path> failing) {
            List<String> lines = new ArrayList<>(errors.getOrDefault(file, List.of()));
            Map<Path, Long> uses = recorder.usesOf(file);
            uses.forEach((dependency, line) -> {
                if (failing.contains(dependency)) {
                    lines.add(file + ":" + line + ": error: uses " + dependency + ", which does not compile");
                }
            });
            Set<Path> reached = new LinkedHashSet<>();
            Deque<Path> todo = new ArrayDeque<>(uses.keySet());
            while (!todo.isEmpty()) {
                Path next = todo.pop();
                if (failing.contains(next) && !next.equals(file) && reached.add(next)) {
                    todo.addAll(recorder.usesOf(next).keySet());
                }
            }
            for (Path dependency : reached) {
                lines.addAll(errors.getOrDefault(dependency, List.of()));
            }
            return lines;
        }

        private static SourceResult failed(SourceRead source, List<Path> dependencies, List<String> diagnostics,
                                           PassInputs inputs) {
            return new SourceResult(source.path(), source.stamp(), source.bytes(), source.hash(), List.of(),
                    dependencies, diagnostics, true, inputs);
        }
    }

    private static Sha256 apiDigest(Map<String, byte[]> apiClasses) {
        MessageDigest digest = Sha256.digest();
        for (Map.Entry<String, byte[]> entry : new TreeMap<>(apiClasses).entrySet()) {
            digest.update(entry.getKey().getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(entry.getValue());
        }
        return Sha256.wrap(digest.digest());
    }
}
