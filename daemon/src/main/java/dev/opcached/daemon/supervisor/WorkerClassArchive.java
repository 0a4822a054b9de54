package dev.opcached.daemon.supervisor;

import dev.opcached.daemon.config.Directives;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workers' dynamic AppCDS archive: the classes a worker loaded in its life, mapped by every
 * later worker instead of being parsed again, and mapped at the archive's own address so that its
 * read-only pages are really shared between the workers (Debian's JDK 17 relocates archives by
 * default, which dirties them in every process).
 *
 * <p>The archive is kept in the state directory under a name keyed by the class path's jars and
 * the JVM, so that an upgrade makes a new one. When there is none, one worker at a time is started
 * with {@code -XX:ArchiveClassesAtExit} into a temporary file, which its JVM writes when it exits
 * in order (a recycle, a stop); the supervisor then records the file's SHA-256 beside it and
 * renames it into place. Before a worker maps the archive its digest is checked, because a
 * truncated archive crashes the JVM (SIGBUS) even with {@code -Xshare:auto}: a missing, stale,
 * corrupt or unusable archive is a log line and a slower start, never a failed one.
 */
final class WorkerClassArchive {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerClassArchive.class);
    /** Flags of {@code opcached.worker_java_options} by which the operator takes CDS into their own hands. */
    private static final Pattern OWN_CDS = Pattern.compile("-Xshare:(off|dump)|-XX:SharedArchiveFile=|-XX:ArchiveClassesAtExit=");
    private static final String PREFIX = "worker-";
    private static final String DIGEST_SUFFIX = ".sha256";
    private static final String TRAINING_SUFFIX = ".training";
    /** The exit code of a process ended by a signal: 128 + the signal's number. */
    private static final int SIGNALLED = 128;

    /** A launch: the flags the worker gets, and the archive it writes at exit, if it is the one that makes it. */
    record Use(List<String> flags, Path training) {
    }

    private final Path directory;
    private final Path archive;
    private final Path digestFile;
    private final boolean enabled;
    private Path training;
    private Process trainer;
    private long verifiedSize = -1;
    private long verifiedModified = -1;

    /**
     * @param directory where the archive is kept (made if missing)
     * @param key       what the archive was made for (class path jars, JVM, worker flags); a new key, a new archive
     * @param enabled   false when there is to be no archive (see {@link #of})
     */
    WorkerClassArchive(Path directory, String key, boolean enabled) {
        this.directory = directory;
        this.archive = directory.resolve(PREFIX + key + ".jsa");
        this.digestFile = directory.resolve(PREFIX + key + ".jsa" + DIGEST_SUFFIX);
        this.enabled = enabled;
    }

    /**
     * The archive of this pool's workers: in {@code worker-cds} in the state directory, keyed by
     * the class path and the JVM; off when {@code opcached.worker_java_options} sets CDS flags of
     * its own, when workers run as another user (who could not write it) or when the class path
     * has directories.
     */
    static WorkerClassArchive of(Directives config, WorkerUser user) {
        String options = config.string(Directives.WORKER_JAVA_OPTIONS);
        String classPath = System.getProperty("java.class.path");
        boolean own = OWN_CDS.matcher(options).find();
        boolean jarsOnly = Arrays.stream(classPath.split(Pattern.quote(File.pathSeparator)))
                .allMatch(entry -> new File(entry).isFile());
        if (own) {
            LOG.info("worker class archive: off ({} sets CDS flags of its own)", Directives.WORKER_JAVA_OPTIONS);
        } else if (user.switches()) {
            LOG.info("worker class archive: off (workers run as {}, who cannot write one into the state directory)", user);
        } else if (!jarsOnly) {
            // the JVM refuses to start with -XX:ArchiveClassesAtExit and a directory of classes on its class path
            LOG.info("worker class archive: off (the class path has entries that are not jars, e.g. a build's classes"
                    + " directory)");
        }
        WorkerClassArchive archive = new WorkerClassArchive(config.stateDirectory().resolve("worker-cds"),
                key(classPath, options), !own && !user.switches() && jarsOnly);
        if (archive.enabled) {
            archive.removeStale();
        }
        return archive;
    }

    /** A digest of every class path entry (path, size, modification time), the JVM and the workers' flags. */
    static String key(String classPath, String workerOptions) {
        MessageDigest digest = sha256();
        update(digest, System.getProperty("java.home"));
        update(digest, System.getProperty("java.vm.version"));
        update(digest, workerOptions);
        for (String entry : classPath.split(Pattern.quote(File.pathSeparator))) {
            File file = new File(entry);
            update(digest, file.getAbsolutePath() + "|" + file.length() + "|" + file.lastModified());
        }
        return HexFormat.of().formatHex(digest.digest(), 0, 12);
    }

    /**
     * The CDS flags of the next worker: the archive when it is there and sound; else, when no
     * worker is making one, the flags that make this worker write it at exit; else none but the
     * mapping mode.
     */
    synchronized Use next() {
        if (!enabled) {
            return new Use(List.of(), null);
        }
        List<String> flags = new ArrayList<>(List.of("-Xshare:auto", "-XX:+UnlockDiagnosticVMOptions",
                "-XX:ArchiveRelocationMode=0"));
        settle();
        if (sound()) {
            flags.add("-XX:SharedArchiveFile=" + archive);
            return new Use(flags, null);
        }
        if (training != null) {
            return new Use(flags, null);
        }
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            LOG.warn("worker class archive: cannot make {} ({}); workers start without one", directory, e.toString());
            return new Use(flags, null);
        }
        training = directory.resolve(archive.getFileName() + "." + ProcessHandle.current().pid() + TRAINING_SUFFIX);
        flags.add("-XX:ArchiveClassesAtExit=" + training);
        // the dump warns of every class it leaves out (old class files, JFR events): hundreds of lines
        flags.add("-Xlog:cds=error:stderr");
        return new Use(flags, training);
    }

    /** Records the worker started with {@code use}: if it makes the archive, its exit completes it. */
    synchronized void started(Use use, Process process) {
        if (use.training() == null) {
            return;
        }
        trainer = process;
        LOG.info("worker class archive: none yet; pid {} writes {} when it exits", process.pid(), archive);
        process.onExit().thenAccept(this::trained);
    }

    /** Gives up the training of {@code use} (its worker did not start). */
    synchronized void notStarted(Use use) {
        if (use.training() != null && use.training().equals(training)) {
            training = null;
        }
    }

    /**
     * Keeps the archive of a worker that has exited and whose exit was not handled yet: called when
     * the pool stops, so that the archive of the last worker is not lost with the supervisor.
     */
    synchronized void settle() {
        if (trainer != null && !trainer.isAlive()) {
            trained(trainer);
        }
    }

    private synchronized void trained(Process exited) {
        if (exited != trainer) {
            return;
        }
        Path written = training;
        trainer = null;
        training = null;
        try {
            // 128 + N: ended by signal N (SIGKILL after the drain, a crash), perhaps in the middle of the dump
            if (exited.exitValue() >= SIGNALLED || !Files.isRegularFile(written) || Files.size(written) == 0) {
                LOG.info("worker class archive: pid {} ended without writing it (exit {}); the next worker makes it",
                        exited.pid(), exited.exitValue());
                Files.deleteIfExists(written);
                return;
            }
            // the digest first: an archive without its digest is never used
            Path digestTemporary = directory.resolve(digestFile.getFileName() + TRAINING_SUFFIX);
            Files.writeString(digestTemporary, digestOf(written));
            Files.move(digestTemporary, digestFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.move(written, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            LOG.info("worker class archive: made {} ({} KiB); workers started from now on map it", archive,
                    Files.size(archive) >> 10);
        } catch (IOException e) {
            LOG.warn("worker class archive: cannot keep {} ({}); the next worker makes it", written, e.toString());
            deleteQuietly(written);
        }
    }

    /** Whether the archive is there with the digest recorded when it was made (checked again when the file changes). */
    private boolean sound() {
        try {
            if (!Files.isRegularFile(archive)) {
                return false;
            }
            long size = Files.size(archive);
            long modified = Files.getLastModifiedTime(archive).toMillis();
            if (size == verifiedSize && modified == verifiedModified) {
                return true;
            }
            String recorded = Files.isRegularFile(digestFile) ? Files.readString(digestFile).strip() : "";
            if (recorded.equals(digestOf(archive))) {
                verifiedSize = size;
                verifiedModified = modified;
                LOG.info("worker class archive: {} ({} KiB) is sound; workers map it", archive, size >> 10);
                return true;
            }
            LOG.warn("worker class archive: {} does not match its digest (truncated or damaged); removed, the next"
                    + " worker makes a new one", archive);
        } catch (IOException e) {
            LOG.warn("worker class archive: cannot read {} ({}); removed, the next worker makes a new one", archive,
                    e.toString());
        }
        verifiedSize = -1;
        deleteQuietly(archive);
        deleteQuietly(digestFile);
        return false;
    }

    /** Removes the archives of other class paths or JVMs and the partial files of supervisors that died. */
    private void removeStale() {
        if (!Files.isDirectory(directory)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, PREFIX + "*")) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                boolean current = name.equals(archive.getFileName().toString())
                        || name.equals(digestFile.getFileName().toString());
                if (!current) {
                    Files.deleteIfExists(file);
                    LOG.info("worker class archive: removed {} (another class path or JVM, or unfinished)", file);
                }
            }
        } catch (IOException e) {
            LOG.warn("worker class archive: cannot clean {} ({})", directory, e.toString());
        }
    }

    private static String digestOf(Path file) throws IOException {
        MessageDigest digest = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static void update(MessageDigest digest, String value) {
        digest.update(value.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("worker class archive: cannot remove {} ({})", file, e.toString());
        }
    }
}
