package dev.opcached.daemon.supervisor;

import dev.opcached.daemon.config.Directives;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A pool's exclusive claim on its listen address, held for the supervisor's lifetime: an
 * exclusive lock on {@code listen-HOST-PORT.lock} in a directory that every pool of this user
 * uses, whatever its own settings. SO_REUSEPORT lets any process of the same user bind the port
 * too, so a plain bind cannot keep a second pool out (two started together, or one started while
 * the first replaces its workers); the lock can. The kernel releases it when the supervisor dies,
 * however it dies.
 */
final class ListenAddressLock implements AutoCloseable {
    /**
     * Where every pool of this user keeps its locks: named after the user's uid, on tmpfs
     * ({@code /dev/shm}), or in the temporary directory where there is none.
     */
    static Path defaultDirectory() throws IOException {
        Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        Path shm = Path.of("/dev/shm");
        Path parent = Files.isDirectory(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        return parent.resolve("opcached-" + uid + ".locks");
    }

    private final FileChannel channel;
    private final FileLock lock;

    private ListenAddressLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock of nothing: a pool listening on port 0 (any free port) claims no address. */
    static ListenAddressLock none() {
        return new ListenAddressLock(null, null);
    }

    /**
     * Claims {@code address} in {@code directory}.
     *
     * @throws IllegalArgumentException when another pool holds it, naming the address and that pool's pid
     */
    static ListenAddressLock claim(InetSocketAddress address, Path directory) throws IOException {
        if (address.getPort() == 0) {
            return none();
        }
        if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        // Not followed: a link planted by another user must not lead our locks elsewhere.
        String me = System.getProperty("user.name");
        String owner = Files.getOwner(directory, LinkOption.NOFOLLOW_LINKS).getName();
        if (!owner.equals(me) || !Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException("the listen lock directory " + directory + " is not a directory of " + me
                    + " (its owner: " + owner + "): remove it (no pool of " + me + " can start while it is there)");
        }
        String host = address.getAddress() == null ? address.getHostString() : address.getAddress().getHostAddress();
        Path file = directory.resolve("listen-" + host.replaceAll("[^A-Za-z0-9.]", "_") + "-" + address.getPort() + ".lock");
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            String holder = Files.readString(file, StandardCharsets.US_ASCII).strip();
            channel.close();
            throw new IllegalArgumentException(Directives.LISTEN + "=" + host + ":" + address.getPort()
                    + " is claimed by another pool" + (holder.matches("\\d+") ? " (supervisor pid " + holder + ")" : "")
                    + ", lock " + file + ": stop that pool or give this one another " + Directives.LISTEN);
        }
        // Who holds it, for the message of the next pool that tries.
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        channel.force(false);
        return new ListenAddressLock(channel, lock);
    }

    /** Gives the address up (the kernel does as much when the process exits). */
    @Override
    public void close() throws IOException {
        if (channel != null) {
            lock.release();
            channel.close();
        }
    }
}
