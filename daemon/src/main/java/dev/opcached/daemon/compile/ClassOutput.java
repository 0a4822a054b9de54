package dev.opcached.daemon.compile;

import dev.opcached.protocol.segment.ClassFile;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;

/**
 * javac's class output, in memory: every class file written, filed under the URI of the source
 * it was compiled from (javac's "sibling"), so that the output of one task splits into one set of
 * classes per source file. Nothing is ever written to disk.
 */
final class ClassOutput extends ForwardingJavaFileManager<JavaFileManager> {
    private final Map<URI, List<ClassFile>> classes = new HashMap<>();

    ClassOutput(JavaFileManager delegate) {
        super(delegate);
    }

    /** The classes compiled from the source at {@code source}, in the order javac wrote them. */
    synchronized List<ClassFile> classesOf(URI source) {
        return List.copyOf(classes.getOrDefault(source, List.of()));
    }

    @Override
    public JavaFileObject getJavaFileForOutput(Location location, String className, JavaFileObject.Kind kind,
                                               FileObject sibling) {
        URI source = sibling == null ? null : sibling.toUri();
        return new SimpleJavaFileObject(URI.create("mem:///" + className.replace('.', '/') + kind.extension), kind) {
            @Override
            public OutputStream openOutputStream() {
                return new ByteArrayOutputStream() {
                    @Override
                    public void close() {
                        // A class without a source (none is made with -proc:none) belongs to no file.
                        if (source != null) {
                            add(source, new ClassFile(className, toByteArray()));
                        }
                    }
                };
            }
        };
    }

    private synchronized void add(URI source, ClassFile classFile) {
        classes.computeIfAbsent(source, s -> new ArrayList<>()).add(classFile);
    }
}
