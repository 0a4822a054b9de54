package dev.opcached.daemon.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes docroot files as a deploy does, each with an mtime of its own from an hour ago on: older
 * than file_update_protection, so that what is compiled from them is cached, and one second apart,
 * so that every edit is a change of stamp.
 */
public final class BackdatedSources {
    private final AtomicLong mtime = new AtomicLong(System.currentTimeMillis() - 3_600_000);

    /** Writes {@code source} at {@code relative} under {@code docroot}, creating its directories. */
    public Path write(Path docroot, String relative, String source) throws IOException {
        Path file = docroot.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, source);
        Files.setLastModifiedTime(file, FileTime.fromMillis(mtime.addAndGet(1_000)));
        return file;
    }
}
