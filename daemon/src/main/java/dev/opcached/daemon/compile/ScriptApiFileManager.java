package dev.opcached.daemon.compile;

import dev.opcached.daemon.runtime.ScriptClassPath;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardLocation;

/**
 * javac's class path for a script: whatever the delegate lists (the vendor jars) plus the class
 * files of the script API package, served from memory, so that no other class of the process is
 * there to compile against.
 */
final class ScriptApiFileManager extends ForwardingJavaFileManager<JavaFileManager> {
    private final List<JavaFileObject> apiClasses;

    ScriptApiFileManager(JavaFileManager delegate, Map<String, byte[]> apiClasses) {
        super(delegate);
        List<JavaFileObject> objects = new ArrayList<>();
        apiClasses.forEach((name, bytes) -> objects.add(new ApiClass(name, bytes)));
        this.apiClasses = List.copyOf(objects);
    }

    @Override
    public Iterable<JavaFileObject> list(Location location, String packageName, Set<JavaFileObject.Kind> kinds,
                                         boolean recurse) throws IOException {
        Iterable<JavaFileObject> listed = super.list(location, packageName, kinds, recurse);
        if (location != StandardLocation.CLASS_PATH || !kinds.contains(JavaFileObject.Kind.CLASS)
                || !(packageName.equals(ScriptClassPath.API_PACKAGE)
                || recurse && ScriptClassPath.API_PACKAGE.startsWith(packageName + "."))) {
            return listed;
        }
        List<JavaFileObject> all = new ArrayList<>(apiClasses);
        listed.forEach(all::add);
        return all;
    }

    @Override
    public String inferBinaryName(Location location, JavaFileObject file) {
        return file instanceof ApiClass api ? api.binaryName : super.inferBinaryName(location, file);
    }

    @Override
    public boolean isSameFile(FileObject a, FileObject b) {
        return a instanceof ApiClass || b instanceof ApiClass ? a.equals(b) : super.isSameFile(a, b);
    }

    /** One class file of the script API. */
    private static final class ApiClass extends SimpleJavaFileObject {
        private final String binaryName;
        private final byte[] bytes;

        ApiClass(String binaryName, byte[] bytes) {
            super(URI.create("opcached-api:///" + binaryName.replace('.', '/') + ".class"), Kind.CLASS);
            this.binaryName = binaryName;
            this.bytes = bytes;
        }

        @Override
        public InputStream openInputStream() {
            return new ByteArrayInputStream(bytes);
        }
    }
}
