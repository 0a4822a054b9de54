package dev.opcached.daemon.compile;

import dev.opcached.protocol.common.DocrootContainment;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.ForwardingJavaFileObject;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.StandardLocation;

/**
 * javac's source path (the other docroot files a script uses), held to the rule a request is held
 * to: only regular files, not links, whose real path lies in the docroot ({@link DocrootContainment}),
 * read without following a link. The standard file manager would follow a link out of the docroot
 * (and show what it read in the diagnostics) or open a FIFO and block the compile for good; here
 * such a file is not there at all, so a script that names its class gets "cannot find symbol".
 */
final class DocrootSourceFileManager extends ForwardingJavaFileManager<JavaFileManager> {
    private final DocrootContainment docroot;

    DocrootSourceFileManager(JavaFileManager delegate, DocrootContainment docroot) {
        super(delegate);
        this.docroot = docroot;
    }

    @Override
    public Iterable<JavaFileObject> list(Location location, String packageName, Set<JavaFileObject.Kind> kinds,
                                         boolean recurse) throws IOException {
        Iterable<JavaFileObject> listed = super.list(location, packageName, kinds, recurse);
        if (location != StandardLocation.SOURCE_PATH) {
            return listed;
        }
        List<JavaFileObject> inside = new ArrayList<>();
        for (JavaFileObject file : listed) {
            JavaFileObject contained = contained(file);
            if (contained != null) {
                inside.add(contained);
            }
        }
        return inside;
    }

    @Override
    public JavaFileObject getJavaFileForInput(Location location, String className, JavaFileObject.Kind kind)
            throws IOException {
        JavaFileObject file = super.getJavaFileForInput(location, className, kind);
        return location == StandardLocation.SOURCE_PATH && file != null ? contained(file) : file;
    }

    @Override
    public FileObject getFileForInput(Location location, String packageName, String relativeName) throws IOException {
        // Nothing javac needs from the source path but Java sources: a resource there is not served.
        return location == StandardLocation.SOURCE_PATH ? null : super.getFileForInput(location, packageName, relativeName);
    }

    @Override
    public String inferBinaryName(Location location, JavaFileObject file) {
        return super.inferBinaryName(location, unwrap(file));
    }

    @Override
    public boolean isSameFile(FileObject a, FileObject b) {
        return super.isSameFile(unwrap(a), unwrap(b));
    }

    @Override
    public boolean contains(Location location, FileObject file) throws IOException {
        return super.contains(location, unwrap(file));
    }

    private static <T extends FileObject> T unwrap(T file) {
        @SuppressWarnings("unchecked")
        T inner = file instanceof ContainedSource source ? (T) source.inner() : file;
        return inner;
    }

    /** {@code file} as a source javac may read, or null when it is not a regular file in the docroot. */
    private JavaFileObject contained(JavaFileObject file) {
        if (!"file".equals(file.toUri().getScheme())) {
            return null;
        }
        Path path = Path.of(file.toUri());
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            // The directories on the way may still be links: the real path must be inside too.
            return attributes.isRegularFile() && docroot.contains(path.toRealPath())
                    ? new ContainedSource(file, path) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** A docroot source whose content is read without following a link (the file was checked, not opened). */
    private static final class ContainedSource extends ForwardingJavaFileObject<JavaFileObject> {
        private final Path path;

        ContainedSource(JavaFileObject inner, Path path) {
            super(inner);
            this.path = path;
        }

        JavaFileObject inner() {
            return fileObject;
        }

        @Override
        public InputStream openInputStream() throws IOException {
            return new ByteArrayInputStream(bytes());
        }

        @Override
        public Reader openReader(boolean ignoreEncodingErrors) throws IOException {
            return new InputStreamReader(openInputStream(), StandardCharsets.UTF_8);
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) throws IOException {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        private byte[] bytes() throws IOException {
            try (InputStream in = Files.newInputStream(path, LinkOption.NOFOLLOW_LINKS)) {
                return in.readAllBytes();
            }
        }
    }
}
