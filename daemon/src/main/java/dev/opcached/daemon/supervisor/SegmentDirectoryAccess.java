package dev.opcached.daemon.supervisor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Lets workers that run as another user reach their segment: the segment directory is rwx------
 * (its owner only), so while such a pool runs it is rwx--x--x: others may pass through to a file
 * whose unguessable name they know, but not list it; the segment file itself is the workers'
 * user's, 0600. Back to rwx------ when the pool stops, and before the next start checks it.
 */
final class SegmentDirectoryAccess {
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> TRAVERSABLE = PosixFilePermissions.fromString("rwx--x--x");

    private final Path directory;
    private final WorkerUser user;

    SegmentDirectoryAccess(Path directory, WorkerUser user) {
        this.directory = directory;
        this.user = user;
    }

    /** Opens the directory to the workers' user, when they run as another one. */
    void openToWorkers() throws IOException {
        if (user.switches()) {
            Files.setPosixFilePermissions(directory, TRAVERSABLE);
        }
    }

    /** Undoes {@link #openToWorkers}, also after a pool that was killed before it could. */
    void restorePrivate() throws IOException {
        if (user.switches() && Files.isDirectory(directory)
                && Files.getPosixFilePermissions(directory).equals(TRAVERSABLE)) {
            Files.setPosixFilePermissions(directory, PRIVATE);
        }
    }
}
