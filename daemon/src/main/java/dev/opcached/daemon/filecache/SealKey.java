package dev.opcached.daemon.filecache;

import dev.opcached.daemon.config.OwnerOnlyFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HMAC-SHA256 key that seals file-cache entries (and, as the fleet key, Redis entries): 32
 * random bytes in a file only its owner can read, kept outside the cache, made at first start and
 * refused thereafter when anyone else could have read or replaced it. The key itself is never
 * logged or printed.
 */
public final class SealKey {
    /** The file cache's key file, as its messages name it. */
    public static final Role FILE_CACHE = new Role("file cache key", "opcached.file_cache_key", "");

    /**
     * What a key file is for, as messages name it: {@code name} ("file cache key"), the directive
     * that points elsewhere, and what the line that reports its creation adds for the operator.
     */
    public record Role(String name, String directive, String whenCreated) {
    }

    /** Length of the key and of the file that holds it: the raw bytes, nothing else. */
    public static final int LENGTH = 32;
    static final String ALGORITHM = "HmacSHA256";
    private static final Logger LOG = LoggerFactory.getLogger(SealKey.class);
    private static final Set<PosixFilePermission> OWNER_READ_WRITE = PosixFilePermissions.fromString("rw-------");

    private final SecretKeySpec key;
    private final String origin;

    private SealKey(byte[] bytes, String origin) {
        this.key = new SecretKeySpec(bytes, ALGORITHM);
        this.origin = origin;
    }

    /**
     * A key given as bytes (a fixed key for the format's worked example, or a key a caller keeps
     * elsewhere).
     */
    public static SealKey of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a seal key is " + LENGTH + " bytes: length=" + bytes.length);
        }
        return new SealKey(bytes.clone(), "given bytes");
    }

    /**
     * The key in {@code file}, creating the file (0600; its directory 0700 when missing) with 32
     * fresh random bytes when it does not exist. Creation is atomic: the key is written and synced
     * under a temporary name and then linked into place, so no process ever reads a partial key,
     * and of two processes creating it at once both end with the one that was linked first.
     *
     * @throws IllegalArgumentException naming the file and the fix when it is not a regular file,
     *     is not owned by this process's user, may be read or written by group or others, lies in
     *     a directory group or others may write, or does not hold exactly 32 bytes
     */
    public static SealKey loadOrCreate(Path file) throws IOException {
        return loadOrCreate(file, FILE_CACHE);
    }

    /** {@link #loadOrCreate(Path)} for a key of another {@code role}, named so in its messages. */
    public static SealKey loadOrCreate(Path file, Role role) throws IOException {
        Path absolute = file.toAbsolutePath().normalize();
        try {
            return readChecked(absolute, role);
        } catch (NoSuchFileException absent) {
            create(absolute, role);
            return readChecked(absolute, role);
        }
    }

    /**
     * The key in {@code file}, which must exist: a read-only cache was sealed under a key made
     * elsewhere, and a fresh one would only reject all of it.
     *
     * @throws IllegalArgumentException as {@link #loadOrCreate}, and when the file is missing
     */
    public static SealKey load(Path file) throws IOException {
        Path absolute = file.toAbsolutePath().normalize();
        try {
            return readChecked(absolute, FILE_CACHE);
        } catch (NoSuchFileException absent) {
            throw new IllegalArgumentException("file cache key " + absolute + " does not exist, and a read-only file cache"
                    + " needs the key that sealed it: ship that key with the cache (0600, outside the cache directory),"
                    + " or set opcache.file_cache_read_only=0 to have a new key made (every existing entry is then rejected)");
        }
    }

    private static SealKey readChecked(Path file, Role role) throws IOException {
        PosixFileAttributes attributes = Files.readAttributes(file, PosixFileAttributes.class);
        if (!attributes.isRegularFile()) {
            throw new IllegalArgumentException(role.name() + " " + file + " is not a regular file;"
                    + " remove it to have a new key made at the next start, or point " + role.directive() + " elsewhere");
        }
        Object owner = Files.getAttribute(file, "unix:uid");
        Object self = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        if (!owner.equals(self)) {
            throw new IllegalArgumentException(role.name() + " " + file + " belongs to uid " + owner
                    + ", not to this process's uid " + self + ": its owner knows the key and could seal entries;"
                    + " remove it to have a new key made at the next start (the cache's entries are then rejected once and rebuilt)");
        }
        String mode = OwnerOnlyFile.looseMode(attributes.permissions());
        if (mode != null) {
            throw new IllegalArgumentException(role.name() + " " + file + " has mode " + mode
                    + ": anyone in its group or others could read it and seal entries; chmod 600 " + file
                    + " and, as it may have been read, remove it instead to have a new key made at the next start");
        }
        Path directory = file.getParent();
        Set<PosixFilePermission> directoryMode = Files.getPosixFilePermissions(directory);
        if (directoryMode.contains(PosixFilePermission.GROUP_WRITE) || directoryMode.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IllegalArgumentException(role.name() + " " + file + " is in " + directory + " of mode "
                    + PosixFilePermissions.toString(directoryMode) + ": group or others could replace the key;"
                    + " chmod go-w " + directory + " or point " + role.directive() + " elsewhere");
        }
        if (attributes.size() != LENGTH) {
            throw new IllegalArgumentException(role.name() + " " + file + " holds " + attributes.size() + " bytes, not "
                    + LENGTH + "; remove it to have a new key made at the next start");
        }
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException(role.name() + " " + file + " changed while it was read ("
                    + bytes.length + " bytes); remove it to have a new key made at the next start");
        }
        return new SealKey(bytes, file.toString());
    }

    private static void create(Path file, Role role) throws IOException {
        Path directory = file.getParent();
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        byte[] random = new byte[LENGTH];
        new SecureRandom().nextBytes(random);
        Path temporary = Files.createTempFile(directory, "." + file.getFileName() + ".", ".tmp",
                PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE));
        try {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                channel.write(ByteBuffer.wrap(random));
                channel.force(true);
            }
            // A hard link, unlike a rename, fails when the name exists: a concurrent creator's key is never replaced.
            Files.createLink(file, temporary);
            LOG.info("created {} {} (mode 0600){}", role.name(), file, role.whenCreated());
        } catch (FileAlreadyExistsException raced) {
            LOG.debug("{} {} was created by another process meanwhile", role.name(), file);
        } finally {
            Files.deleteIfExists(temporary);
        }
        try (FileChannel parent = FileChannel.open(directory, StandardOpenOption.READ)) {
            parent.force(true);
        }
    }

    /** A fresh HMAC-SHA256 engine under this key (a {@link Mac} is not thread-safe: one per seal or check). */
    Mac newMac() {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("this JDK cannot compute " + ALGORITHM, e);
        }
    }

    /**
     * A public name of this key: the first 8 bytes of its HMAC of a fixed text, in hex. It tells
     * keys apart (which entries a key sealed) and says nothing of the key itself.
     */
    public String id() {
        byte[] mac = newMac().doFinal("opcached key id".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return java.util.HexFormat.of().formatHex(mac, 0, 8);
    }

    /** Where the key came from; never the key. */
    @Override
    public String toString() {
        return "SealKey[" + origin + "]";
    }
}
