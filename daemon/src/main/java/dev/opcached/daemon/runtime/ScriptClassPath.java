package dev.opcached.daemon.runtime;

import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.unit.CompileUnit;
import dev.opcached.protocol.unit.Dependency;
import dev.opcached.script.Script;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Everything a script may see besides the JDK, for javac and at run time alike: the script API
 * (package {@code dev.opcached.script}, and nothing else of the process's class path) and the
 * docroot's own jars ({@code vendor/*.jar}, Composer's place), read once when the process starts.
 */
public final class ScriptClassPath {
    /** The one package of ours a script links against. */
    public static final String API_PACKAGE = Script.class.getPackageName();

    private final List<Path> vendorJars;
    /** Each jar's stamp when the class path was read: the versions this process's classes come from. */
    private final Map<String, SourceStamp> jarStamps;
    private final Map<String, byte[]> apiClasses;
    private final ClassLoader parent;

    private ScriptClassPath(List<Path> vendorJars, Map<String, byte[]> apiClasses, ClassLoader parent) {
        this.vendorJars = vendorJars;
        Map<String, SourceStamp> stamps = new HashMap<>();
        for (Path jar : vendorJars) {
            SourceStamp stamp = SourceStamp.of(jar);
            if (stamp != null) {
                stamps.put(jar.toString(), stamp);
            }
        }
        this.jarStamps = Map.copyOf(stamps);
        this.apiClasses = apiClasses;
        this.parent = parent;
    }

    /** The class path of scripts in {@code docroot} (a real path). */
    public static ScriptClassPath of(Path docroot) throws IOException {
        List<Path> jars = vendorJars(vendorDirectoryOf(docroot));
        ClassLoader api = new ScriptApiLoader(Script.class.getClassLoader());
        ClassLoader parent = jars.isEmpty() ? api : new VendorClassLoader(urls(jars), api);
        return new ScriptClassPath(jars, readApiClasses(), parent);
    }

    /** The jars in {@code docroot}'s vendor directory now, in path order. */
    public static List<Path> vendorJarsOf(Path docroot) throws IOException {
        return vendorJars(vendorDirectoryOf(docroot));
    }

    /** Where {@code docroot}'s jars are (whether or not it exists). */
    public static Path vendorDirectoryOf(Path docroot) {
        return docroot.resolve("vendor");
    }

    private static List<Path> vendorJars(Path vendor) throws IOException {
        if (!Files.isDirectory(vendor)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(vendor)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".jar") && Files.isRegularFile(file))
                    .sorted().toList();
        }
    }

    private static URL[] urls(List<Path> jars) {
        return jars.stream().map(jar -> {
            try {
                return jar.toUri().toURL();
            } catch (MalformedURLException e) {
                throw new UncheckedIOException(e);
            }
        }).toArray(URL[]::new);
    }

    /**
     * The class files of the script API package, read from wherever {@code Script} was loaded
     * from: that directory or jar holds the daemon's own classes too, which javac must not see.
     */
    private static Map<String, byte[]> readApiClasses() throws IOException {
        Path location;
        try {
            location = Path.of(Script.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | RuntimeException e) {
            throw new IOException("cannot locate the class files of " + API_PACKAGE + ": " + e, e);
        }
        String packagePath = API_PACKAGE.replace('.', '/');
        if (Files.isDirectory(location)) {
            return classFiles(location.resolve(packagePath));
        }
        try (FileSystem jar = FileSystems.newFileSystem(location)) {
            return classFiles(jar.getPath("/" + packagePath));
        }
    }

    private static Map<String, byte[]> classFiles(Path packageDirectory) throws IOException {
        Map<String, byte[]> classes = new HashMap<>();
        try (Stream<Path> files = Files.list(packageDirectory)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".class")).toList()) {
                String simple = file.getFileName().toString().replaceFirst("\\.class$", "");
                classes.put(API_PACKAGE + "." + simple, Files.readAllBytes(file));
            }
        }
        if (classes.isEmpty()) {
            throw new IOException("no class files of " + API_PACKAGE + " in " + packageDirectory);
        }
        return Map.copyOf(classes);
    }

    /**
     * The JDK modules scripts can load from: those of the boot layer defined to the boot or the
     * platform class loader (not jdk.compiler, jdk.attach and the others the application loader
     * defines).
     */
    public static List<String> platformModules() {
        ClassLoader platform = ClassLoader.getPlatformClassLoader();
        return ModuleLayer.boot().modules().stream()
                .filter(module -> module.getClassLoader() == null || module.getClassLoader() == platform)
                .map(Module::getName).sorted().toList();
    }

    /**
     * Whether {@code unit} was compiled against the jars this class path was read from (the same
     * paths with the same stamps): else its classes may not link against this process's.
     */
    boolean compiledAgainstThese(CompileUnit unit) {
        int jars = 0;
        for (Dependency dependency : unit.dependencies()) {
            if (dependency.kind() != Dependency.Kind.JAR) {
                continue;
            }
            jars++;
            SourceStamp stamp = jarStamps.get(dependency.path());
            if (stamp == null || !dependency.stampMatches(stamp.mtimeMillis(), stamp.size())) {
                return false;
            }
        }
        return jars == jarStamps.size();
    }

    /** The docroot's jars, for javac's class path. */
    public List<Path> vendorJars() {
        return vendorJars;
    }

    /** Binary name to class file of the script API, for javac's class path. */
    public Map<String, byte[]> apiClasses() {
        return apiClasses;
    }

    /** The parent of every script's class loader: the vendor jars over the API over the JDK. */
    ClassLoader parent() {
        return parent;
    }
}
