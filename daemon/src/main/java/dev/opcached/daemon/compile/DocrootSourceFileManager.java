package dev.opcached.daemon.compile;

import dev.opcached.protocol.common.DocrootContainment;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * Every source it lets through is named by its real path and read once, through {@link SourceReads}.
 *
 * <p>It also notes what each javac pass looked at ({@link #beginPass}): the sources whose text it
 * read, the served sources whose class files it opened, and the package directories it listed
 * (each stamped before its first listing in the batch, so that a file added while javac listed it
 * shows as a change, unless it came in the same tick of the file system's clock as the stamp:
 * {@link PassInputs#racy}), the inputs of {@link PassInputs}.
 */
final class DocrootSourceFileManager extends ForwardingJavaFileManager<JavaFileManager> {
    private final DocrootContainment docroot;
    private final SourceReads reads;
    private final Map<URI, Path> letThrough = new ConcurrentHashMap<>();
    /** Each directory listed in this batch, with its stamp from before its first listing. */
    private final Map<Path, PassInputs.DirectoryStamp> directoriesSeen = new ConcurrentHashMap<>();
    private volatile Looked pass = new Looked();

    DocrootSourceFileManager(JavaFileManager delegate, DocrootContainment docroot, SourceReads reads) {
        super(delegate);
        this.docroot = docroot;
        this.reads = reads;
    }

    /** Starts noting what the next javac pass reads and lists; returns where it is noted. */
    Looked beginPass() {
        pass = new Looked();
        return pass;
    }

    /**
     * A root of a batch: {@code file} (the standard file object of {@code realPath}) as a source
     * javac may read, or null unless it is a regular file whose real path is {@code realPath}
     * itself, in the docroot.
     */
    JavaFileObject root(JavaFileObject file, Path realPath) {
        JavaFileObject contained = contained(file);
        return contained instanceof ContainedSource source && source.path.equals(realPath) ? contained : null;
    }

    /**
     * The real path of a source this manager let through, or null for any other file. javac hands
     * its listeners its own wrappers of our file objects, so they are known by URI too.
     */
    Path realPath(FileObject file) {
        return file instanceof ContainedSource source ? source.path : file == null ? null : letThrough.get(file.toUri());
    }

    @Override
    public Iterable<JavaFileObject> list(Location location, String packageName, Set<JavaFileObject.Kind> kinds,
                                         boolean recurse) throws IOException {
        if (location == StandardLocation.SOURCE_PATH) {
            // javac lists a package's directory one level deep (recurse is for tools that walk a tree).
            looking(packageName);
        }
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
        if (location == StandardLocation.SOURCE_PATH) {
            int dot = className.lastIndexOf('.');
            looking(dot < 0 ? "" : className.substring(0, dot));
        }
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

    /** Notes that the pass opened a class file of the unit served for the source at {@code realPath}. */
    void servedOpened(Path realPath) {
        pass.servedOpened.add(realPath);
    }

    /** Notes that the pass looks into {@code packageName}'s directory on the source path, stamped before it does. */
    private void looking(String packageName) {
        Path directory = packageName.isEmpty() ? docroot.root() : docroot.root().resolve(packageName.replace('.', '/'));
        pass.listed.putIfAbsent(directory, directoriesSeen.computeIfAbsent(directory, PassInputs.DirectoryStamp::of));
    }

    /** The text of a source let through, read once per batch; noted as read by the pass that asks. */
    private SourceRead read(Path realPath) throws IOException {
        Looked looked = pass;
        try {
            SourceRead read = reads.read(realPath);
            looked.read.add(realPath);
            return read;
        } catch (IOException e) {
            looked.unreadable = true;
            throw e;
        }
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
            if (!attributes.isRegularFile()) {
                return null;
            }
            Path real = path.toRealPath();
            if (!docroot.contains(real)) {
                return null;
            }
            letThrough.put(real.toUri(), real);
            return new ContainedSource(file, real);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * A docroot source under its real path (in diagnostics and as the sibling of its class files),
     * whose content is read once and without following a link (the file was checked, not opened).
     */
    private final class ContainedSource extends ForwardingJavaFileObject<JavaFileObject> {
        private final Path path;

        ContainedSource(JavaFileObject inner, Path path) {
            super(inner);
            this.path = path;
        }

        JavaFileObject inner() {
            return fileObject;
        }

        @Override
        public URI toUri() {
            return path.toUri();
        }

        @Override
        public String getName() {
            return path.toString();
        }

        @Override
        public InputStream openInputStream() throws IOException {
            return new ByteArrayInputStream(read(path).bytes());
        }

        @Override
        public Reader openReader(boolean ignoreEncodingErrors) throws IOException {
            return new InputStreamReader(openInputStream(), StandardCharsets.UTF_8);
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) throws IOException {
            return new String(read(path).bytes(), StandardCharsets.UTF_8);
        }
    }

    /** What one javac pass looked at in the docroot. */
    static final class Looked {
        private final Set<Path> read = ConcurrentHashMap.newKeySet();
        private final Set<Path> servedOpened = ConcurrentHashMap.newKeySet();
        private final Map<Path, PassInputs.DirectoryStamp> listed = new ConcurrentHashMap<>();
        private volatile boolean unreadable;

        /** The sources whose text the pass read. */
        Set<Path> read() {
            return Set.copyOf(read);
        }

        /** The served sources whose units' class files the pass opened (not merely listed). */
        Set<Path> servedOpened() {
            return Set.copyOf(servedOpened);
        }

        /** The directories it listed, each with its stamp from before its first listing in the batch. */
        Map<Path, PassInputs.DirectoryStamp> listed() {
            return Map.copyOf(listed);
        }

        /** Whether a source it asked for could not be read (an I/O error: what it depended on is not known). */
        boolean unreadable() {
            return unreadable;
        }
    }
}
