package dev.opcached.daemon.admin;

import dev.opcached.daemon.config.OwnerOnlyFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin endpoint's bearer token: 256 random bits as 64 hex digits, in a file only its owner
 * can read, made at first start and read thereafter. The token itself is never logged.
 */
public final class AdminToken {
    private static final Logger LOG = LoggerFactory.getLogger(AdminToken.class);
    private static final int BYTES = 32;

    private AdminToken() {
    }

    /**
     * The token in {@code file}, creating the file (0600, directory 0700) with a fresh token when
     * it does not exist.
     *
     * @throws IllegalArgumentException when the file is readable by group or others, or holds no token
     */
    public static String loadOrCreate(Path file) throws IOException {
        return loadOrCreate(file, "admin token");
    }

    /** The same for a token named {@code what} in messages ("metrics token"). */
    public static String loadOrCreate(Path file, String what) throws IOException {
        try {
            String mode = OwnerOnlyFile.looseMode(file);
            if (mode != null) {
                throw new IllegalArgumentException(what + " file " + file + " has mode " + mode
                        + ": anyone in its group or others could read it;"
                        + " chmod 600 " + file + " (and rotate the token if it may have been read)");
            }
            String token = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (!token.matches("[0-9a-f]{" + 2 * BYTES + "}")) {
                throw new IllegalArgumentException(what + " file " + file + " does not hold a token (64 hex digits);"
                        + " delete it to have a new one made at the next start");
            }
            return token;
        } catch (NoSuchFileException absent) {
            return create(file, what);
        }
    }

    private static String create(Path file, String what) throws IOException {
        Path directory = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        byte[] random = new byte[BYTES];
        new SecureRandom().nextBytes(random);
        String token = HexFormat.of().formatHex(random);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, token + "\n", StandardCharsets.US_ASCII);
        LOG.info("created {} file {} (mode 0600)", what, file);
        return token;
    }
}
