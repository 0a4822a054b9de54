package dev.opcached.protocol.segment;

import static dev.opcached.protocol.segment.HeaderLayout.*;

import dev.opcached.protocol.segment.SegmentAttachException.Failure;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.core.io.SingleThreadedChecked;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One mapping of a segment: its segment file and, through {@link ActivityFile}, the activity file
 * beside it. Creating both, attaching after checking them thoroughly (see
 * {@code docs/segment-format.md} §12, §13) with the access of the process's role
 * ({@link SegmentAccess}), telling whether the files at the paths are still the mapped ones, and
 * closing. Every other class of the segment reads and writes through {@link #bytes()} (the
 * segment file) and {@link #activity()}, and trusts only {@link #geometry()}.
 *
 * <p>{@link #close()} is idempotent and safe against concurrent calls and against operations in
 * progress: only the first one gives back the shared file handle, and none unmaps the file.
 */
final class SegmentFile implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentFile.class);

    /** How long attach waits for a creator still writing the header. */
    static final long ATTACH_TIMEOUT_MILLIS = 2_000;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();

    static {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            // Chronicle Bytes accesses memory in the platform's order; the format is little-endian.
            throw new ExceptionInInitializerError("opcached segments are little-endian; this platform is "
                    + ByteOrder.nativeOrder());
        }
    }

    private final Path path;
    private final Object fileKey;
    /** Held so that the mapping lives as long as this object; all access goes through {@link #bytes}. */
    private final MappedByteBuffer buffer;
    private final BytesStore<?, ?> bytes;
    /** The shared read-write handle; null for a read-only mapping, which can never take the write lock. */
    private final OpenSegmentFiles.Handle handle;
    private final SegmentAccess access;
    private final ActivityFile activity;
    private final BytesStore<?, ?> activityBytes;
    /** The id the header had at attach: what a repair writes back. */
    private final long segmentId;
    private final SegmentGeometry geometry;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** This process when it created the file, so that its housekeeping can repair the creator fields; else null. */
    private final ProcessIdentity createdBy;
    /** Set once the file is known to be truncated: from then on nothing touches the mapping. */
    private volatile boolean lost;

    private SegmentFile(Path path, Object fileKey, MappedByteBuffer buffer, OpenSegmentFiles.Handle handle,
                        SegmentAccess access, ActivityFile activity, long segmentId, SegmentGeometry geometry,
                        ProcessIdentity createdBy) {
        this.path = path;
        this.access = access;
        this.activity = activity;
        this.activityBytes = activity.bytes();
        this.segmentId = segmentId;
        this.createdBy = createdBy;
        this.fileKey = fileKey;
        this.buffer = buffer;
        // follow, not wrap: wrap would own the buffer and unmap it on release.
        this.bytes = BytesStore.follow(buffer);
        if (bytes instanceof SingleThreadedChecked checked) {
            // Every thread of every attached process uses this store; safety comes from the protocol.
            checked.singleThreadedCheckDisabled(true);
        }
        this.handle = handle;
        this.geometry = geometry;
    }

    // ---------------------------------------------------------------------------------------------
    // create

    /**
     * Creates a new file (0600; fails if it exists) and its activity file, and writes their headers:
     * an empty cache in generation 1. With {@code carriedOver}, the counters start where that
     * segment's ended and the creation counts as a restart for {@code reason}. The activity file is
     * whole before the segment's version is written, so that whoever attaches finds both.
     */
    static SegmentFile create(Path path, SegmentConfig config, EpochClock clock, ProcessTable processes,
                              SegmentStatistics carriedOver, List<RestartRecord> carriedLog, RestartReason reason)
            throws IOException {
        long segmentId = newSegmentId();
        Files.createFile(path, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        OpenSegmentFiles.Handle file = null;
        try {
            ActivityFile activity = ActivityFile.create(SegmentFiles.activityPath(path), config.slotCount(), segmentId,
                    carriedOver);
            file = OpenSegmentFiles.open(path);
            allocate(file.channel(), config.memoryConsumption());
            MappedByteBuffer buffer = file.channel().map(FileChannel.MapMode.READ_WRITE, 0, config.memoryConsumption());
            SegmentFile segment = new SegmentFile(path, file.fileKey(), buffer, file, SegmentAccess.WRITER, activity,
                    segmentId, SegmentGeometry.of(config), ProcessIdentity.current(processes));
            segment.writeHeader(clock.millis(), carriedOver, carriedLog, reason);
            LOG.debug("created segment {}: size={}, slots={}, maxKeys={}", path, config.memoryConsumption(),
                    config.slotCount(), config.maxAcceleratedFiles());
            return segment;
        } catch (IOException | RuntimeException e) {
            if (file != null) {
                file.close();
            }
            SegmentFiles.delete(path);
            throw e;
        }
    }

    /** A random id, never 0 (the value of a header not written yet). */
    private static long newSegmentId() {
        long id;
        do {
            id = RANDOM.nextLong();
        } while (id == 0);
        return id;
    }

    /**
     * Writes the whole file rather than extending it sparsely: on a full tmpfs a sparse mapping
     * would kill the process with SIGBUS at some later store; this fails here, with an IOException.
     */
    private static void allocate(FileChannel channel, long length) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
        long position = 0;
        while (position < length) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), length - position));
            position += channel.write(zeros, position);
        }
    }

    private void writeHeader(long now, SegmentStatistics carriedOver, List<RestartRecord> carriedLog,
                             RestartReason reason) {
        geometry.writeTo(bytes);
        // MAGIC goes last, just before VERSION: zero it again after the geometry wrote it.
        bytes.writeLong(MAGIC_OFFSET, 0);
        bytes.writeLong(CREATOR_PID_OFFSET, createdBy.pid());
        bytes.writeLong(CREATOR_START_TICKS_OFFSET, createdBy.startTicks());
        bytes.writeLong(START_TIME_MILLIS_OFFSET, now);
        // Generation 0 is never used, so that the zeroed index of a new file reads as empty.
        bytes.writeLong(GENERATION_OFFSET, 1);
        bytes.writeLong(SEGMENT_ID_OFFSET, segmentId);
        bytes.writeLong(HEARTBEAT_MILLIS_OFFSET, now);
        if (carriedOver != null) {
            for (RestartRecord restart : carriedLog) {
                appendRestartLog(bytes, restart.millis(), restart.generation(), restart.reason());
            }
            carryOver(carriedOver, reason, now);
        }
        bytes.writeLong(MAGIC_OFFSET, MAGIC_VALUE);
        // Last, with release semantics: a process that sees the version sees the whole header.
        putVersionRelease(bytes, VERSION_VALUE);
    }

    /** The pool's figures continue in the new segment; unknown (negative) figures start at 0. */
    private void carryOver(SegmentStatistics old, RestartReason reason, long now) {
        if (old.startTimeMillis() > 0) {
            bytes.writeLong(START_TIME_MILLIS_OFFSET, old.startTimeMillis());
        }
        bytes.writeLong(STORES_OFFSET, known(old.stores()));
        bytes.writeLong(OOM_RESTARTS_OFFSET, known(old.oomRestarts()));
        bytes.writeLong(HASH_RESTARTS_OFFSET, known(old.hashRestarts()));
        bytes.writeLong(MANUAL_RESTARTS_OFFSET, known(old.manualRestarts()));
        bytes.writeLong(CORRUPTION_RESTARTS_OFFSET, known(old.corruptionRestarts()));
        bytes.writeLong(LOST_RESTARTS_OFFSET, known(old.lostRestarts()));
        bytes.writeLong(RECOVERIES_OFFSET, known(old.recoveries()));
        bytes.writeLong(COMPILES_OFFSET, known(old.compiles()));
        FileCacheFigures fileCache = old.fileCache();
        bytes.writeLong(FILE_CACHE_HITS_OFFSET, known(fileCache.hits()));
        bytes.writeLong(FILE_CACHE_MISSES_OFFSET, known(fileCache.misses()));
        bytes.writeLong(FILE_CACHE_STORES_OFFSET, known(fileCache.stores()));
        bytes.writeLong(FILE_CACHE_REJECTIONS_OFFSET, known(fileCache.rejections()));
        bytes.writeLong(FILE_CACHE_BYTES_OFFSET, known(fileCache.bytes()));
        bytes.writeLong(FILE_CACHE_ENTRIES_OFFSET, known(fileCache.entries()));
        if (reason != null && reason != RestartReason.NONE) {
            putLastRestart(bytes, now, reason);
            appendRestartLog(bytes, now, 1, reason);
            increment(bytes, restartCounterOffset(reason));
        }
    }

    private static long known(long figure) {
        return Math.max(0, figure);
    }

    // ---------------------------------------------------------------------------------------------
    // attach

    /**
     * Maps an existing segment and its activity file with {@code access} after every check of §13,
     * including that its creator lives.
     */
    static SegmentFile attach(Path path, ProcessTable processes, SegmentAccess access) {
        return open(path, processes, access);
    }

    /** Maps an existing segment read-only (both files) after the checks of §13 but the creator's. */
    static SegmentFile openReadOnly(Path path) {
        return open(path, null, SegmentAccess.OBSERVER);
    }

    private static SegmentFile open(Path path, ProcessTable processes, SegmentAccess access) {
        long fileLength = checkFile(path);
        OpenSegmentFiles.Handle file = null;
        MappedByteBuffer buffer;
        Object fileKey;
        try {
            if (!access.writesEntries()) {
                fileKey = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
                buffer = OpenSegmentFiles.mapReadOnly(path, fileLength);
            } else {
                file = OpenSegmentFiles.open(path);
                fileKey = file.fileKey();
                buffer = file.channel().map(FileChannel.MapMode.READ_WRITE, 0, fileLength);
            }
        } catch (NoSuchFileException e) {
            throw new SegmentAttachException(path, Failure.MISSING, "no such file; is the pool running?", e);
        } catch (IOException e) {
            throw new SegmentAttachException(path, Failure.IO_ERROR, e.toString(), e);
        }
        try {
            SegmentGeometry geometry;
            try {
                geometry = validate(path, buffer, fileLength, processes);
            } catch (InternalError e) {
                // Truncated after its size was checked; the fault may be reported a little later
                // than the read that met it, so the whole validation is covered.
                if (!SegmentLostException.isMappingFault(e)) {
                    throw e;
                }
                throw new SegmentAttachException(path, Failure.TRUNCATED,
                        "the file was truncated while its header was checked (" + e.getMessage() + ")", e);
            }
            long segmentId = readSegmentId(buffer);
            ActivityFile activity = ActivityFile.open(path, geometry.slotCount(), segmentId, access.writesActivity());
            return new SegmentFile(path, fileKey, buffer, file, access, activity, segmentId, geometry, null);
        } catch (RuntimeException e) {
            if (file != null) {
                try {
                    file.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** Checks 1 to 4: the file, its mode and its size. */
    private static long checkFile(Path path) {
        long fileLength;
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
            Set<PosixFilePermission> extra = EnumSet.noneOf(PosixFilePermission.class);
            for (PosixFilePermission permission : permissions) {
                // Group read is how the workers of a pool with `user` map it (read-only); nothing more.
                if (!permission.name().startsWith("OWNER_") && permission != PosixFilePermission.GROUP_READ) {
                    extra.add(permission);
                }
            }
            if (!extra.isEmpty()) {
                throw new SegmentAttachException(path, Failure.INSECURE_PERMISSIONS,
                        "mode is " + PosixFilePermissions.toString(permissions) + " but must let nobody but its owner write it"
                                + " and only its group read it (group/other may " + extra + "); chmod 600 it, or remove it"
                                + " and restart the pool");
            }
            fileLength = Files.size(path);
        } catch (NoSuchFileException e) {
            throw new SegmentAttachException(path, Failure.MISSING, "no such file; is the pool running?", e);
        } catch (IOException e) {
            throw new SegmentAttachException(path, Failure.IO_ERROR, e.toString(), e);
        }
        if (fileLength < LENGTH) {
            throw new SegmentAttachException(path, Failure.TRUNCATED,
                    "file is " + fileLength + " bytes, shorter than the " + LENGTH + "-byte header");
        }
        if (fileLength > SegmentConfig.MAX_MEMORY_CONSUMPTION) {
            throw new SegmentAttachException(path, Failure.CORRUPT_HEADER,
                    "file is " + fileLength + " bytes, larger than any segment (" + SegmentConfig.MAX_MEMORY_CONSUMPTION + ")");
        }
        return fileLength;
    }

    /** Checks 6 to 11, on the mapped header; {@code processes} null skips the creator check. */
    private static SegmentGeometry validate(Path path, MappedByteBuffer buffer, long fileLength, ProcessTable processes) {
        BytesStore<?, ?> header = BytesStore.follow(buffer);
        try {
            // MAGIC and VERSION are written last: zeros there are a creator still at work (or one that died).
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ATTACH_TIMEOUT_MILLIS);
            int version;
            while ((version = versionVolatile(header)) == 0 && magic(header) == 0 && System.nanoTime() - deadline < 0) {
                LockSupport.parkNanos(1_000_000);
            }
            long magic = magic(header);
            if (magic != MAGIC_VALUE && !(magic == 0 && version == 0)) {
                throw new SegmentAttachException(path, Failure.BAD_MAGIC,
                        "magic is 0x" + Long.toHexString(magic) + ", not 0x" + Long.toHexString(MAGIC_VALUE)
                                + " (\"OPCACHED\"): not an opcached segment");
            }
            if (version == 0) {
                throw new SegmentAttachException(path, Failure.NOT_INITIALISED,
                        "header still unwritten after " + ATTACH_TIMEOUT_MILLIS
                                + " ms: its creator never finished creating it (the next start of its pool removes it)");
            }
            if (version != VERSION_VALUE) {
                throw new SegmentAttachException(path, Failure.BAD_VERSION,
                        "layout version " + version + ", this build reads version " + VERSION_VALUE
                                + "; run the same opcached version as the pool's supervisor");
            }
            long segmentLength = header.readLong(SEGMENT_LENGTH_OFFSET);
            if (segmentLength != fileLength) {
                throw new SegmentAttachException(path, Failure.TRUNCATED,
                        "header says " + segmentLength + " bytes but the file has " + fileLength);
            }
            String geometryProblem = SegmentGeometry.problem(header, segmentLength);
            if (geometryProblem != null) {
                throw new SegmentAttachException(path, Failure.CORRUPT_HEADER, geometryProblem);
            }
            if (processes != null) {
                // The header's creator fields can be damaged through the mapping, the name cannot:
                // either identity alive is the creator alive.
                ProcessIdentity recorded = new ProcessIdentity(header.readLong(CREATOR_PID_OFFSET), creatorStartTicks(header));
                ProcessIdentity named = SegmentFiles.creatorInName(path);
                if (!recorded.aliveIn(processes) && (named == null || !named.aliveIn(processes))) {
                    throw new SegmentAttachException(path, Failure.CREATOR_DEAD,
                            "its creator, " + recorded + ", has exited;"
                                    + " the segment is abandoned (the next start of that pool removes it)");
                }
            }
            return SegmentGeometry.read(header);
        } finally {
            header.releaseLast();
        }
    }

    private static long readSegmentId(MappedByteBuffer buffer) {
        BytesStore<?, ?> header = BytesStore.follow(buffer);
        try {
            return header.readLong(SEGMENT_ID_OFFSET);
        } finally {
            header.releaseLast();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // use

    Path path() {
        return path;
    }

    BytesStore<?, ?> bytes() {
        return bytes;
    }

    /** The activity file's bytes: counters, usage records, claims, restart requests. */
    BytesStore<?, ?> activity() {
        return activityBytes;
    }

    SegmentAccess access() {
        return access;
    }

    /** The segment id both headers held at attach. */
    long segmentId() {
        return segmentId;
    }

    SegmentGeometry geometry() {
        return geometry;
    }

    /** This process, when it created the file; null when it attached. */
    ProcessIdentity createdBy() {
        return createdBy;
    }

    /** The read-write handle, whose lock serialises writers; only a {@link SegmentAccess#WRITER} has one. */
    OpenSegmentFiles.Handle handle() {
        if (handle == null) {
            throw new SegmentReadOnlyException(path, access);
        }
        return handle;
    }

    /** Before a lock-free write to the segment file (not the activity file): only writers make them. */
    void checkWritesEntries() {
        if (!access.writesEntries()) {
            throw new SegmentReadOnlyException(path, access);
        }
    }

    boolean closed() {
        return closed.get();
    }

    /**
     * Whether the file at the path is still the mapped one: the same file (device and inode) and at
     * least as long as the mapping. False once it was deleted, replaced or truncated. One stat.
     */
    boolean intact() {
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            boolean intact = fileKey.equals(attributes.fileKey()) && attributes.size() >= geometry.segmentLength();
            if (fileKey.equals(attributes.fileKey()) && !intact) {
                lost = true;
            }
            return intact && !lost && activity.intact();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Runs an operation off the hot path: throws {@link SegmentClosedException} once closed and
     * {@link SegmentLostException} when the file is known lost or is now shorter than the mapping
     * (one fstat, or one stat for a read-only mapping), before any access could fault; a fault the
     * operation meets is translated. A close racing with the operation is safe: the mapping stays
     * until the last reference to this object goes, and a write either holds the lock, which close
     * waits for, or fails to take it as closed.
     */
    <T> T guard(Supplier<T> operation) {
        if (closed.get()) {
            throw new SegmentClosedException(path);
        }
        checkNotTruncated();
        try {
            return operation.get();
        } catch (InternalError e) {
            throw translateFault(e);
        }
    }

    private void checkNotTruncated() {
        checkNotLost();
        long size;
        try {
            if (handle != null) {
                size = handle.channel().size();
                if (size < 0 || !handle.channel().isOpen()) {
                    // An uninterruptible channel closed during the call answers -1 instead of throwing.
                    throw new ClosedChannelException();
                }
            } else {
                BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
                size = fileKey.equals(attributes.fileKey()) ? attributes.size() : geometry.segmentLength();
            }
        } catch (NoSuchFileException e) {
            return; // a read-only mapping's file was deleted: the mapping still holds it, and intact() tells
        } catch (IOException e) {
            // The shared channel ignores interrupts, so only a close can have closed it: not "fine".
            throw closedOr(new SegmentException("segment " + path + ": cannot check its size: " + e, e));
        }
        if (size < geometry.segmentLength()) {
            lost = true;
            throw new SegmentLostException(path, "the file is " + size + " bytes, the mapping " + geometry.segmentLength());
        }
        long activitySize;
        try {
            activitySize = activity.sizeOfMappedFile();
        } catch (IOException e) {
            throw closedOr(new SegmentException("segment " + path + ": cannot check its activity file's size: " + e, e));
        }
        if (activitySize < activity.length()) {
            lost = true;
            throw new SegmentLostException(path, "its activity file is " + activitySize + " bytes, the mapping "
                    + activity.length());
        }
    }

    /** {@link SegmentClosedException} when this mapping was closed meanwhile, else {@code otherwise}. */
    SegmentException closedOr(SegmentException otherwise) {
        if (closed.get()) {
            SegmentClosedException closedException = new SegmentClosedException(path);
            closedException.addSuppressed(otherwise);
            return closedException;
        }
        return otherwise;
    }

    /**
     * Runs a lock-free operation: {@code whenClosed} once closed, {@link SegmentLostException}
     * once the file is known lost, and a fault it meets translated. No system call. (The three
     * hot-path reads write the same checks out, so that a request makes no lambda.)
     */
    <T> T lockFree(Supplier<T> operation, T whenClosed) {
        if (closed.get()) {
            return whenClosed;
        }
        checkNotLost();
        try {
            return operation.get();
        } catch (InternalError e) {
            throw translateFault(e);
        }
    }

    /** Before a hot-path operation: one volatile read, no system call. */
    void checkNotLost() {
        if (lost) {
            throw new SegmentLostException(path, "an earlier access faulted");
        }
    }

    /**
     * Translates an error met while using the mapping: a fault on a truncated file becomes
     * typed (and marks the file lost); any other error is rethrown as it is.
     */
    RuntimeException translateFault(InternalError error) {
        if (SegmentLostException.isMappingFault(error)) {
            lost = true;
            return new SegmentLostException(path, error);
        }
        throw error;
    }

    /**
     * Stops every further use and gives back this process's share of the file handle (waiting for
     * a write of another thread in progress); later calls do nothing. The mapping itself is not
     * released: other threads may be reading it right now, and freeing it under them would crash
     * them; it goes with the buffer once nothing refers to this object.
     */
    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (handle != null) {
            handle.close();
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
