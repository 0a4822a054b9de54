package dev.opcached.daemon.filecache;

import dev.opcached.protocol.unit.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The cache directory and its one subdirectory per {@link Namespace}, checked at open: made 0700
 * when missing, refused when group or others may write it (they could then delete or swap entries
 * at will), and names entry files ({@code <namespace>/<64 hex digits of the key>}).
 */
final class FileCacheDirectory {
    /** Prefix of the temporary files writes rename into place; never an entry name. */
    static final String TEMPORARY_PREFIX = ".tmp-";
    private static final Pattern ENTRY_NAME = Pattern.compile("[0-9a-f]{64}");
    private static final String PRIVATE_DIRECTORY = "rwx------";

    private final Path root;

    private FileCacheDirectory(Path root) {
        this.root = root;
    }

    /**
     * The directory {@code root}, created (0700, with its namespace subdirectories) unless
     * {@code readOnly}.
     *
     * @throws IllegalArgumentException naming the directory and the fix when it is missing in
     *     read-only mode, is not a directory, or group or others may write it or a subdirectory
     */
    static FileCacheDirectory open(Path root, boolean readOnly) throws IOException {
        if (!Files.exists(root)) {
            if (readOnly) {
                throw new IllegalArgumentException("file cache directory " + root + " does not exist, and"
                        + " opcache.file_cache_read_only=1 never creates it: build it into the image, set"
                        + " opcache.file_cache_read_only=0, or turn the file cache off with opcache.file_cache=");
            }
            Files.createDirectories(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(PRIVATE_DIRECTORY)));
        }
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("file cache directory " + root + " is not a directory;"
                    + " point opcache.file_cache at a directory (it is created 0700 when missing)");
        }
        // The directory itself may be a symbolic link an administrator made; what counts is where it leads.
        refuseIfOthersMayWrite(root, "file cache directory " + root);
        for (Namespace namespace : Namespace.values()) {
            Path directory = root.resolve(namespace.directoryName());
            try {
                BasicFileAttributes attributes = Files.readAttributes(directory, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (!attributes.isDirectory()) {
                    // A symbolic link would let whoever made it choose where entries are written and pruned.
                    throw new IllegalArgumentException("file cache subdirectory " + directory + " is not a directory"
                            + " (a symbolic link or a file); remove it, it is made again at the next start");
                }
                refuseIfOthersMayWrite(directory, "file cache subdirectory " + directory, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException absent) {
                if (!readOnly) {
                    createPrivateDirectory(directory);
                }
            }
        }
        return new FileCacheDirectory(root);
    }

    /** Makes {@code directory} (not its parents), mode 0700. */
    static void createPrivateDirectory(Path directory) throws IOException {
        Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(PRIVATE_DIRECTORY)));
    }

    private static void refuseIfOthersMayWrite(Path directory, String what, LinkOption... options) throws IOException {
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(directory, options);
        if (mode.contains(PosixFilePermission.GROUP_WRITE) || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IllegalArgumentException(what + " has mode " + PosixFilePermissions.toString(mode)
                    + ": group or others could delete or replace entries; chmod 700 " + directory);
        }
    }

    Path directory(Namespace namespace) {
        return root.resolve(namespace.directoryName());
    }

    Path file(Namespace namespace, Sha256 key) {
        return directory(namespace).resolve(key.hex());
    }

    static boolean isEntryName(String name) {
        return ENTRY_NAME.matcher(name).matches();
    }
}
