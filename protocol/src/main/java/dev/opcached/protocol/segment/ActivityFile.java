package dev.opcached.protocol.segment;

import dev.opcached.protocol.segment.SegmentAttachException.Failure;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.core.io.SingleThreadedChecked;

/**
 * One mapping of a segment's activity file ({@link ActivityLayout}): creating it beside a new
 * segment file, opening it after checking that it belongs to the segment being attached, and
 * telling whether the file at the path is still the mapped one. The file holds only figures and
 * claims, never offsets, so a process that maps it trusts nothing it reads there beyond a number.
 * It takes no locks, so each mapping has its own channel, closed once mapped.
 */
final class ActivityFile {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final Path path;
    private final Object fileKey;
    private final long length;
    /** Held so that the mapping lives as long as this object. */
    private final MappedByteBuffer buffer;
    private final BytesStore<?, ?> bytes;

    private ActivityFile(Path path, Object fileKey, long length, MappedByteBuffer buffer) {
        this.path = path;
        this.fileKey = fileKey;
        this.length = length;
        this.buffer = buffer;
        this.bytes = BytesStore.follow(buffer);
        if (bytes instanceof SingleThreadedChecked checked) {
            checked.singleThreadedCheckDisabled(true);
        }
    }

    /**
     * Creates the file (0600, exclusively), written out in full like the segment file, with its
     * identity; the stripes start at {@code carriedOver}'s figures when given.
     */
    static ActivityFile create(Path path, int slotCount, long segmentId, SegmentStatistics carriedOver)
            throws IOException {
        long length = ActivityLayout.fileLength(slotCount);
        Files.createFile(path, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 16);
            long position = 0;
            while (position < length) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), length - position));
                position += channel.write(zeros, position);
            }
            ActivityFile activity = new ActivityFile(path, Files.readAttributes(path, BasicFileAttributes.class).fileKey(),
                    length, channel.map(FileChannel.MapMode.READ_WRITE, 0, length));
            if (carriedOver != null) {
                activity.bytes.writeLong(ActivityLayout.STRIPES_OFFSET + ActivityLayout.STRIPE_HITS, known(carriedOver.hits()));
                activity.bytes.writeLong(ActivityLayout.STRIPES_OFFSET + ActivityLayout.STRIPE_MISSES,
                        known(carriedOver.misses()));
                activity.bytes.writeLong(ActivityLayout.STRIPES_OFFSET + ActivityLayout.STRIPE_BLACKLIST_MISSES,
                        known(carriedOver.blacklistMisses()));
            }
            ActivityLayout.writeIdentity(activity.bytes, slotCount, segmentId);
            return activity;
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(path);
            throw e;
        }
    }

    private static long known(long figure) {
        return Math.max(0, figure);
    }

    /**
     * Maps the activity file of the segment at {@code segmentPath}, read-write or read-only, after
     * checking its mode (nobody but its owner), its length and that it names {@code segmentId}.
     */
    static ActivityFile open(Path segmentPath, int slotCount, long segmentId, boolean writable) {
        Path path = SegmentFiles.activityPath(segmentPath);
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
            // Group read-write is how the workers of a pool with `user` count into it; nothing else.
            if (permissions.stream().anyMatch(permission -> permission.name().startsWith("OTHERS_")
                    || permission.name().endsWith("_EXECUTE"))) {
                throw new SegmentAttachException(segmentPath, Failure.INSECURE_PERMISSIONS, "its activity file " + path
                        + " has mode " + PosixFilePermissions.toString(permissions)
                        + " but must allow nobody but its owner and group, and no execution");
            }
            long length = Files.size(path);
            if (length != ActivityLayout.fileLength(slotCount)) {
                throw new SegmentAttachException(segmentPath, Failure.TRUNCATED, "its activity file " + path + " is "
                        + length + " bytes, not " + ActivityLayout.fileLength(slotCount));
            }
            MappedByteBuffer buffer;
            try (FileChannel channel = writable
                    ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)
                    : FileChannel.open(path, StandardOpenOption.READ)) {
                buffer = channel.map(writable ? FileChannel.MapMode.READ_WRITE : FileChannel.MapMode.READ_ONLY, 0, length);
            }
            ActivityFile activity = new ActivityFile(path, Files.readAttributes(path, BasicFileAttributes.class).fileKey(),
                    length, buffer);
            String problem;
            try {
                problem = ActivityLayout.problem(activity.bytes, length, slotCount, segmentId);
            } catch (InternalError e) {
                if (!SegmentLostException.isMappingFault(e)) {
                    throw e;
                }
                throw new SegmentAttachException(segmentPath, Failure.TRUNCATED, "its activity file " + path
                        + " was truncated while its header was checked (" + e.getMessage() + ")", e);
            }
            if (problem != null) {
                throw new SegmentAttachException(segmentPath, Failure.FOREIGN_ACTIVITY,
                        "its activity file " + path + ": " + problem);
            }
            return activity;
        } catch (NoSuchFileException e) {
            throw new SegmentAttachException(segmentPath, Failure.MISSING, "its activity file " + path + " is missing", e);
        } catch (IOException e) {
            throw new SegmentAttachException(segmentPath, Failure.IO_ERROR, "its activity file " + path + ": " + e, e);
        }
    }

    Path path() {
        return path;
    }

    BytesStore<?, ?> bytes() {
        return bytes;
    }

    long length() {
        return length;
    }

    /** Whether the file at the path is still the mapped one, at least as long as the mapping. One stat. */
    boolean intact() {
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            return fileKey.equals(attributes.fileKey()) && attributes.size() >= length;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The file's size when the path still names the mapped file; {@code length} when it names
     * another or nothing (the mapping still holds the old one; {@link #intact()} tells).
     */
    long sizeOfMappedFile() throws IOException {
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            return fileKey.equals(attributes.fileKey()) ? attributes.size() : length;
        } catch (NoSuchFileException e) {
            return length;
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
