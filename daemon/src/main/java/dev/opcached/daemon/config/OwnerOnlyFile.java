package dev.opcached.daemon.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The one rule for files that hold a secret (tokens, keys, passwords): group and others have no
 * permission on them at all, and those set by a directive belong to this process's user. A secret
 * that anyone else could have read is refused at the start, never used: the workers' user, or any
 * local user, might know it.
 */
public final class OwnerOnlyFile {
    private OwnerOnlyFile() {
    }

    /** The file's mode as {@code rw-r--r--} when group or others have any permission on it, else null. */
    public static String looseMode(Path file) throws IOException {
        return looseMode(Files.getPosixFilePermissions(file));
    }

    /** The same for a mode already read (from attributes read without following a link). */
    public static String looseMode(Set<PosixFilePermission> mode) {
        return mode.stream().allMatch(p -> p.name().startsWith("OWNER_")) ? null : PosixFilePermissions.toString(mode);
    }

    /**
     * Refuses {@code file}, set by {@code directive}, when another user owns it or group or others
     * have a permission on it.
     *
     * @param secret what the file holds, for the message ("the Redis password")
     * @param remedy what to do besides the chmod, as the secret may have been read ("change the password")
     * @throws IllegalArgumentException naming the directive, the file, its mode and the fix
     */
    public static void require(String directive, Path file, String secret, String remedy) throws IOException {
        Object owner = Files.getAttribute(file, "unix:uid");
        Object self = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        if (!owner.equals(self)) {
            // A key made the workers' (user=) with mode 0600 is still one every script can read.
            throw new IllegalArgumentException(directive + "=" + file + " belongs to uid " + owner + ", not to this"
                    + " process's uid " + self + ": its owner could read " + secret + "; chown " + self + " " + file
                    + " (and, as it may have been read, " + remedy + ")");
        }
        String mode = looseMode(file);
        if (mode != null) {
            throw new IllegalArgumentException(directive + "=" + file + " has mode " + mode + ": group or others could read "
                    + secret + "; chmod 600 " + file + " (and, as it may have been read, " + remedy + ")");
        }
    }
}
