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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pool's exclusive claim on its listen port, held for the supervisor's lifetime: an exclusive
 * lock on {@code listen-PORT.lock} in a directory that every pool of this user uses, whatever its
 * own settings. SO_REUSEPORT lets any process of the same user bind the port too, so a plain bind
 * cannot keep a second pool out (two started together, or one started while the first replaces
 * its workers); the lock can. The lock is the port's, whatever the host: a pool on
 * {@code 0.0.0.0:P} or {@code [::]:P} shares the port with one on {@code 127.0.0.1:P} (the kernel
 * lets both bind with SO_REUSEPORT, and the more specific one takes all of its address's
 * connections), so two pools on one port are refused whatever their addresses. The kernel
 * releases the lock when the supervisor dies, however it dies.
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

    /** What the holder writes in its lock file: its pid and its listen address. */
    private static final Pattern HOLDER = Pattern.compile("(\\d+) (\\S+)");

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
     * Claims the port of {@code address} in {@code directory}.
     *
     * @throws IllegalArgumentException when another pool holds the port, naming it and that pool's pid and address
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
        String listen = hostPort(address);
        Path file = directory.resolve("listen-" + address.getPort() + ".lock");
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
            Matcher written = HOLDER.matcher(holder);
            String who = written.matches()
                    ? " (supervisor pid " + written.group(1) + ", " + Directives.LISTEN + "=" + written.group(2) + ")"
                    : ""; // its holder is still writing it
            throw new IllegalArgumentException(Directives.LISTEN + "=" + listen + " is refused: port " + address.getPort()
                    + " is claimed by another pool" + who + ", lock " + file
                    + "; a port serves one pool, whatever the addresses: stop that pool or give this one another "
                    + Directives.LISTEN + " port");
        }
        // Who holds it, for the message of the next pool that tries.
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + " " + listen + "\n")
                .getBytes(StandardCharsets.US_ASCII)), 0);
        channel.force(false);
        return new ListenAddressLock(channel, lock);
    }

    /** {@code host:port} as the listen directive would name it (an IPv6 host in brackets). */
    private static String hostPort(InetSocketAddress address) {
        String host = address.getAddress() == null ? address.getHostString() : address.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** Gives the port up (the kernel does as much when the process exits). */
    @Override
    public void close() throws IOException {
        if (channel != null) {
            lock.release();
            channel.close();
        }
    }
}
