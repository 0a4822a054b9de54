package dev.opcached.daemon.compile;

import dev.opcached.daemon.runtime.ScriptClassPath;
import dev.opcached.protocol.common.DocrootContainment;
import dev.opcached.protocol.segment.ClassFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;

/**
 * The compile path before batches, kept for {@link CompileEngineBenchmark}'s "one file at a time"
 * figure: compiles one script source alone in memory with {@code javax.tools}, the docroot as source path (only
 * what the {@link DocrootSourceFileManager} lets through) and
 * the {@link ScriptClassPath} (the script API and the vendor jars, never the process's own class
 * path) as class path. Keeps only the classes declared in that file: the other docroot files it
 * uses are entries of their own.
 */
public final class ScriptCompiler {
    private static final List<String> OPTIONS = List.of(
            "-proc:none", "-implicit:none", "-g", "-encoding", "UTF-8", "-Xlint:none", "-nowarn");

    private final JavaCompiler javac;
    private final DocrootContainment docroot;
    private final ScriptClassPath classPath;
    private final List<String> options;

    /** @param docroot the source path: the other docroot files a script uses, by the containment rule */
    public ScriptCompiler(DocrootContainment docroot, ScriptClassPath classPath) {
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
    }

    /** What one compilation produced. */
    public record Compilation(boolean success, List<ClassFile> classes, List<String> diagnostics, long micros) {
    }

    /**
     * Compiles {@code source} (whose text is {@code text}, read by the caller so that what is hashed
     * is what is compiled).
     */
    public Compilation compile(Path source, byte[] text) throws IOException {
        long started = System.nanoTime();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        SourceFile unit = new SourceFile(source, new String(text, StandardCharsets.UTF_8));
        List<ClassFile> classes;
        boolean success;
        try (StandardJavaFileManager standard = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            standard.setLocationFromPaths(StandardLocation.SOURCE_PATH, List.of(docroot.root()));
            standard.setLocationFromPaths(StandardLocation.CLASS_PATH, classPath.vendorJars());
            ClassOutput output = new ClassOutput(new ScriptApiFileManager(
                    new DocrootSourceFileManager(standard, docroot, new SourceReads()), classPath.apiClasses()));
            success = javac.getTask(null, output, diagnostics, options, null, List.of(unit)).call();
            classes = output.classesOf(unit.toUri());
        }
        List<String> messages = new ArrayList<>();
        for (Diagnostic<? extends JavaFileObject> diagnostic : diagnostics.getDiagnostics()) {
            if (diagnostic.getKind() == Diagnostic.Kind.ERROR) {
                String file = diagnostic.getSource() == null ? source.toString() : Path.of(diagnostic.getSource().toUri()).toString();
                messages.add(file + ":" + diagnostic.getLineNumber() + ": error: " + diagnostic.getMessage(Locale.ROOT));
            }
        }
        return new Compilation(success && !classes.isEmpty(), success ? classes : List.of(), messages,
                (System.nanoTime() - started) / 1_000);
    }

    /** The source text as javac sees it, under the file's own URI so that outputs can name it. */
    private static final class SourceFile extends SimpleJavaFileObject {
        private final String text;

        SourceFile(Path path, String text) {
            super(path.toUri(), Kind.SOURCE);
            this.text = text;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return text;
        }
    }
}
