package dev.opcached.daemon.compile;

import dev.opcached.protocol.segment.ClassFile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardLocation;

/**
 * javac's docroot as a batch sees it once current dependencies are served
 * ({@link ServedDependencies}): a served source is not on the source path, and its unit's class
 * files (nested, secondary top-level and {@code package-info} classes included) are on the class
 * path in its package instead, so that javac reads them and compiles nothing of that file. A
 * source that is not served stays on the source path and no class file of it is listed anywhere,
 * so javac never prefers a stale class over a source that changed.
 */
final class ServedClassFileManager extends ForwardingJavaFileManager<DocrootSourceFileManager> {
    private static final Set<JavaFileObject.Kind> SOURCES = EnumSet.of(JavaFileObject.Kind.SOURCE);

    private final ServedDependencies served;

    ServedClassFileManager(DocrootSourceFileManager sources, ServedDependencies served) {
        super(sources);
        this.served = served;
    }

    @Override
    public Iterable<JavaFileObject> list(Location location, String packageName, Set<JavaFileObject.Kind> kinds,
                                         boolean recurse) throws IOException {
        Iterable<JavaFileObject> listed = super.list(location, packageName, kinds, recurse);
        if (location == StandardLocation.SOURCE_PATH) {
            List<JavaFileObject> notServed = new ArrayList<>();
            for (JavaFileObject file : listed) {
                Path path = fileManager.realPath(file);
                if (path == null || served.served(path) == null) {
                    notServed.add(file);
                }
            }
            return notServed;
        }
        if (location != StandardLocation.CLASS_PATH || !kinds.contains(JavaFileObject.Kind.CLASS)) {
            return listed;
        }
        List<JavaFileObject> all = new ArrayList<>();
        for (JavaFileObject source : super.list(StandardLocation.SOURCE_PATH, packageName, SOURCES, recurse)) {
            Path path = fileManager.realPath(source);
            CurrentUnits.Current unit = path == null ? null : served.served(path);
            if (unit == null) {
                continue;
            }
            for (ClassFile classFile : unit.unit().classes()) {
                // A class of another package (a file whose package clause does not match its
                // directory) would be a bad class file here: javac cannot find it by this path.
                if (inPackage(classFile.binaryName(), packageName, recurse)) {
                    all.add(new ServedClass(classFile, path, fileManager));
                }
            }
        }
        listed.forEach(all::add);
        return all;
    }

    @Override
    public JavaFileObject getJavaFileForInput(Location location, String className, JavaFileObject.Kind kind)
            throws IOException {
        JavaFileObject file = super.getJavaFileForInput(location, className, kind);
        if (location == StandardLocation.SOURCE_PATH && file != null) {
            Path path = fileManager.realPath(file);
            if (path != null && served.served(path) != null) {
                return null;
            }
        }
        return file;
    }

    @Override
    public String inferBinaryName(Location location, JavaFileObject file) {
        return file instanceof ServedClass servedClass ? servedClass.binaryName
                : super.inferBinaryName(location, file);
    }

    @Override
    public boolean isSameFile(FileObject a, FileObject b) {
        return a instanceof ServedClass || b instanceof ServedClass ? a.equals(b) : super.isSameFile(a, b);
    }

    @Override
    public boolean contains(Location location, FileObject file) throws IOException {
        return file instanceof ServedClass ? location == StandardLocation.CLASS_PATH : super.contains(location, file);
    }

    private static boolean inPackage(String binaryName, String packageName, boolean recurse) {
        int dot = binaryName.lastIndexOf('.');
        String classPackage = dot < 0 ? "" : binaryName.substring(0, dot);
        return classPackage.equals(packageName)
                || recurse && (packageName.isEmpty() || classPackage.startsWith(packageName + "."));
    }

    /**
     * One class file of a served unit. javac opens it only when it needs the class (listing a
     * package enters every class by name and reads none), so that what it opens is what the pass
     * depended on, noted with the pass ({@link DocrootSourceFileManager#servedOpened}).
     */
    private static final class ServedClass extends SimpleJavaFileObject {
        private final String binaryName;
        private final byte[] bytes;
        private final Path source;
        private final DocrootSourceFileManager notes;

        ServedClass(ClassFile classFile, Path source, DocrootSourceFileManager notes) {
            super(URI.create("opcached-unit:///" + classFile.binaryName().replace('.', '/') + ".class"), Kind.CLASS);
            this.binaryName = classFile.binaryName();
            this.bytes = classFile.bytes();
            this.source = source;
            this.notes = notes;
        }

        @Override
        public InputStream openInputStream() {
            notes.servedOpened(source);
            return new ByteArrayInputStream(bytes);
        }
    }
}
