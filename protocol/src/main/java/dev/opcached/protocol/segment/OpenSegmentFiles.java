package dev.opcached.protocol.segment;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The segment files this JVM has open, one channel and one in-process lock per file.
 *
 * <p>fcntl locks belong to a process, not to a channel: closing any descriptor of a file drops
 * every lock the process holds on it, and a second lock from the same JVM throws
 * {@code OverlappingFileLockException}. So every {@link Segment} on one file in this JVM shares
 * one {@link Handle}: one read-write channel, closed when the last segment closes, and one
 * in-process lock taken before the fcntl lock.
 */
final class OpenSegmentFiles {
    private static final Map<Object, Handle> OPEN = new HashMap<>();

    private OpenSegmentFiles() {
    }

    /** Opens (or shares) the channel of an existing file. */
    static Handle open(Path path) throws IOException {
        Object fileKey = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        synchronized (OPEN) {
            Handle handle = OPEN.get(fileKey);
            if (handle == null) {
                FileChannel channel = uninterruptible(
                        FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE), path);
                handle = new Handle(fileKey, channel);
                OPEN.put(fileKey, handle);
            }
            handle.references++;
            return handle;
        }
    }

    /**
     * Makes the shared channel ignore interrupts. A FileChannel closes itself when a thread with its
     * interrupt flag set calls it (size, lock, map): that would end every later write of this JVM on
     * the file and, closing the descriptor, drop the fcntl lock another thread holds mid-write. The
     * JDK has no public switch for this; its own implementation's is exported by the JVM options.
     */
    private static FileChannel uninterruptible(FileChannel channel, Path path) throws IOException {
        try {
            Class.forName("sun.nio.ch.FileChannelImpl").getMethod("setUninterruptible").invoke(channel);
            return channel;
        } catch (ReflectiveOperationException | RuntimeException e) {
            channel.close();
            throw new IllegalStateException("cannot make the channel of segment " + path + " ignore interrupts ("
                    + e + "); start the JVM with --add-exports=java.base/sun.nio.ch=ALL-UNNAMED (see jvm.options)", e);
        }
    }

    /**
     * Maps a file read-only. Through the shared channel when this JVM has the file open: closing a
     * channel of its own would drop the locks this JVM holds on the file.
     */
    static MappedByteBuffer mapReadOnly(Path path, long length) throws IOException {
        Object fileKey = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        synchronized (OPEN) {
            Handle handle = OPEN.get(fileKey);
            if (handle != null) {
                return handle.channel.map(FileChannel.MapMode.READ_ONLY, 0, length);
            }
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
                return channel.map(FileChannel.MapMode.READ_ONLY, 0, length);
            }
        }
    }

    /** One open segment file, shared by every segment of this JVM on that file. */
    static final class Handle {
        private final Object fileKey;
        private final FileChannel channel;
        private final ReentrantLock processLock = new ReentrantLock();
        private int references;
        private FileLock fileLock;

        private Handle(Object fileKey, FileChannel channel) {
            this.fileKey = fileKey;
            this.channel = channel;
        }

        FileChannel channel() {
            return channel;
        }

        /** The file's identity (device and inode). */
        Object fileKey() {
            return fileKey;
        }

        /**
         * Takes the cross-process write lock: this JVM's lock, then an fcntl lock on the lock word's
         * byte range, which the kernel releases when the holder dies, however it dies.
         *
         * @return false when the deadline passed first
         */
        boolean lock(long timeoutNanos) throws IOException {
            long deadline = System.nanoTime() + timeoutNanos;
            if (processLock.isHeldByCurrentThread()) {
                throw new IllegalStateException("segment write lock is not reentrant");
            }
            if (!tryLockUninterruptibly(deadline)) {
                return false;
            }
            boolean locked = false;
            try {
                long backoff = 1_000;
                while (true) {
                    fileLock = channel.tryLock(HeaderLayout.LOCK_WORD_OFFSET, Long.BYTES, false);
                    if (fileLock != null) {
                        locked = true;
                        return true;
                    }
                    if (System.nanoTime() - deadline >= 0) {
                        return false;
                    }
                    LockSupport.parkNanos(backoff);
                    backoff = Math.min(backoff * 2, 1_000_000);
                }
            } finally {
                if (!locked) {
                    processLock.unlock();
                }
            }
        }

        /**
         * A write is short and bounded by the lock timeout, and the writes an interrupted thread
         * makes (giving up a compile) must still happen: wait through interrupts, restoring the flag.
         */
        private boolean tryLockUninterruptibly(long deadline) {
            boolean interrupted = false;
            try {
                while (true) {
                    try {
                        return processLock.tryLock(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        void unlock() throws IOException {
            try {
                FileLock held = fileLock;
                fileLock = null;
                held.release();
            } finally {
                processLock.unlock();
            }
        }

        void close() throws IOException {
            synchronized (OPEN) {
                if (--references == 0) {
                    OPEN.remove(fileKey);
                    // Closing drops the fcntl lock: let a write of another thread finish first.
                    processLock.lock();
                    try {
                        channel.close();
                    } finally {
                        processLock.unlock();
                    }
                }
            }
        }
    }
}
