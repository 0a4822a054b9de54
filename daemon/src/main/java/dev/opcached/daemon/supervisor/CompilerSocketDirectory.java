package dev.opcached.daemon.supervisor;

import dev.opcached.daemon.config.Directives;
import dev.opcached.protocol.config.Defaults;
import dev.opcached.protocol.segment.ProcessTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the pool's compiler listens: {@code <segment_dir>/compiler.<pid>.<start ticks>/socket},
 * named after this supervisor (so two pools, two supervisors, never share one, whatever their
 * names), inside the segment directory (tmpfs, this user's, 0700, short enough for a socket path).
 * The directory is rwx------; when workers run as another user it is rwx--x--- with the workers'
 * group, so that they (and no one else) can reach the socket, which the compiler makes rw-rw----
 * with the same group. A directory left by a supervisor that died is removed at the next start.
 */
final class CompilerSocketDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(CompilerSocketDirectory.class);
    /** sun_path holds 108 bytes on Linux, the terminating NUL included. */
    static final int MAX_SOCKET_PATH_BYTES = 107;
    private static final Pattern NAME = Pattern.compile("compiler\\.(\\d+)\\.(\\d+)");
    private static final String SOCKET_NAME = "socket";

    private final Path directory;
    private final WorkerUser user;

    private CompilerSocketDirectory(Path directory, WorkerUser user) {
        this.directory = directory;
        this.user = user;
    }

    /**
     * This supervisor's directory under {@code segmentDirectory} (not made yet).
     *
     * @throws IllegalArgumentException when the socket's path would be too long for a Unix socket
     */
    static CompilerSocketDirectory of(Path segmentDirectory, WorkerUser user, ProcessTable processes) {
        long pid = ProcessHandle.current().pid();
        Path directory = segmentDirectory.toAbsolutePath().resolve("compiler." + pid + "." + processes.startTicks(pid));
        Path socket = directory.resolve(SOCKET_NAME);
        int length = bytes(socket);
        if (length > MAX_SOCKET_PATH_BYTES) {
            int added = length - bytes(segmentDirectory.toAbsolutePath());
            throw new IllegalArgumentException(Directives.SEGMENT_DIR + "=" + segmentDirectory + " is too long for the"
                    + " compiler's socket: " + socket + " is " + length + " bytes, a Unix socket path at most "
                    + MAX_SOCKET_PATH_BYTES + "; choose a segment directory of at most " + (MAX_SOCKET_PATH_BYTES - added)
                    + " bytes (the default " + Defaults.SEGMENT_DIR + " fits)");
        }
        return new CompilerSocketDirectory(directory, user);
    }

    private static int bytes(Path path) {
        return path.toString().getBytes(StandardCharsets.UTF_8).length;
    }

    Path directory() {
        return directory;
    }

    Path socket() {
        return directory.resolve(SOCKET_NAME);
    }

    /** Makes the directory afresh (a leftover of a supervisor with the same identity is removed). */
    void create() throws IOException {
        delete();
        Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        user.openToWorkersGroup(directory);
    }

    /** Removes the directory and the socket in it. */
    void delete() throws IOException {
        if (!Files.isDirectory(directory)) {
            return;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }

    /**
     * Deletes the compiler directories in {@code segmentDirectory} whose supervisor has exited
     * (one that was killed cannot delete its own).
     *
     * @return the directories deleted
     */
    static List<Path> removeAbandoned(Path segmentDirectory, ProcessTable processes) throws IOException {
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(segmentDirectory)) {
            return removed;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(segmentDirectory, "compiler.*")) {
            for (Path entry : entries) {
                Matcher name = NAME.matcher(entry.getFileName().toString());
                if (name.matches() && Files.isDirectory(entry)
                        && !processes.isAlive(Long.parseLong(name.group(1)), Long.parseLong(name.group(2)))) {
                    new CompilerSocketDirectory(entry, null).delete();
                    LOG.info("removed the compiler socket directory of a supervisor that died: {}", entry);
                    removed.add(entry);
                }
            }
        }
        return removed;
    }
}
