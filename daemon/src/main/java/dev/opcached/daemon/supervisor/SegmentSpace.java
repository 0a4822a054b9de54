package dev.opcached.daemon.supervisor;

import dev.opcached.daemon.config.Directives;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Refuses a segment larger than the free space of its file system before it is created, with the
 * directives to change, instead of a "No space left on device" half way through writing it out.
 */
final class SegmentSpace {
    /** How much a directory's file system still has for us, in bytes. */
    @FunctionalInterface
    interface UsableSpace {
        long of(Path directory) throws IOException;
    }

    private final UsableSpace usableSpace;

    SegmentSpace(UsableSpace usableSpace) {
        this.usableSpace = usableSpace;
    }

    /** The file system's own figure, FileStore.getUsableSpace. */
    static SegmentSpace ofFileSystem() {
        return new SegmentSpace(directory -> Files.getFileStore(directory).getUsableSpace());
    }

    /** @throws IllegalArgumentException when {@code bytes} do not fit in {@code directory} */
    void require(Path directory, long bytes) throws IOException {
        if (usableSpace.of(directory) < bytes) {
            throw new IllegalArgumentException(shortOfSpace(directory, bytes));
        }
    }

    /** What to say when {@code bytes} do not fit in {@code directory}: the directives, the free space, the fix. */
    String shortOfSpace(Path directory, long bytes) throws IOException {
        return Directives.MEMORY_CONSUMPTION + "=" + (bytes >> 20) + " (MiB) does not fit in " + Directives.SEGMENT_DIR
                + "=" + directory + ": its file system has " + (usableSpace.of(directory) >> 20) + " MiB free; lower "
                + Directives.MEMORY_CONSUMPTION + ", free space there, or choose another " + Directives.SEGMENT_DIR;
    }
}
