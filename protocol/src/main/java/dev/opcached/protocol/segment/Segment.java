package dev.opcached.protocol.segment;

import static dev.opcached.protocol.segment.HeaderLayout.*;

import dev.opcached.protocol.segment.SegmentAttachException.Failure;
import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.zip.CRC32C;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.core.io.SingleThreadedChecked;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pool's shared bytecode cache: a mapped file of header, index and arena (see
 * {@link HeaderLayout}, {@link SlotLayout}, {@link EntryLayout} and {@code docs/segment-format.md}).
 *
 * <p>Reads ({@link #lookup}, {@link #hitIfCurrent}, {@link CachedEntry#copyPayload}) never take a
 * lock and never wait: they validate every offset they read against this process's own copy of
 * the geometry, and re-check the generation after reading, so that they return a whole entry of
 * the current generation or a miss. Writes ({@link #store}, {@link #invalidate}, {@link #reset},
 * {@link #beginCompile}) are serialised by an fcntl lock that the kernel releases when its holder
 * dies; a writer that finds the DIRTY word set recounts the segment before going on.
 *
 * <p>Instances are thread-safe.
 */
public final class Segment implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Segment.class);

    /** How long a writer waits for the lock before giving up with a typed error. */
    public static final long DEFAULT_LOCK_TIMEOUT_MILLIS = 10_000;
    /** How long attach waits for a creator still writing the header. */
    public static final long ATTACH_TIMEOUT_MILLIS = 2_000;
    /** last_used is written at most this often per key, to keep hits from dirtying the slot line twice. */
    private static final long LAST_USED_GRANULARITY_MILLIS = 1_000;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    /** Returned by {@link #readEntry} when the slot holds another key with the same hash. */
    private static final CachedEntry COLLISION = new CachedEntry(null, null, 0, 0, 0, 0, 0, 0, null);

    private final Path path;
    private final MappedByteBuffer buffer;
    private final BytesStore<?, ?> bytes;
    private final OpenSegmentFiles.Handle file;
    private final EpochClock clock;
    private final long pid;
    private final long segmentLength;
    private final int slotCount;
    private final int slotMask;
    private final int maxKeys;
    private final long arenaOffset;
    private final long arenaLength;
    private final long arenaEnd;
    private final int maxWastedPercentage;
    private final long lockTimeoutNanos;
    private volatile boolean closed;

    static {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            // Chronicle Bytes accesses memory in the platform's order; the format is little-endian.
            throw new ExceptionInInitializerError("opcached segments are little-endian; this platform is "
                    + ByteOrder.nativeOrder());
        }
    }

    private Segment(Path path, MappedByteBuffer buffer, OpenSegmentFiles.Handle file, EpochClock clock,
                    long segmentLength, int slotCount, int maxKeys, int maxWastedPercentage) {
        this.path = path;
        this.buffer = buffer;
        // follow, not wrap: wrap would own the buffer and unmap it on release.
        this.bytes = BytesStore.follow(buffer);
        if (bytes instanceof SingleThreadedChecked checked) {
            // Every thread of every attached process uses this store; safety comes from the protocol.
            checked.singleThreadedCheckDisabled(true);
        }
        this.file = file;
        this.clock = clock;
        this.pid = ProcessHandle.current().pid();
        this.segmentLength = segmentLength;
        this.slotCount = slotCount;
        this.slotMask = slotCount - 1;
        this.maxKeys = maxKeys;
        this.arenaOffset = LENGTH + (long) slotCount * SlotLayout.LENGTH;
        this.arenaLength = segmentLength - arenaOffset;
        this.arenaEnd = segmentLength;
        this.maxWastedPercentage = maxWastedPercentage;
        this.lockTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(DEFAULT_LOCK_TIMEOUT_MILLIS);
    }

    // ---------------------------------------------------------------------------------------------
    // create, attach, close

    /** Creates a new segment file (0600) at {@code path}; fails if the file exists. */
    public static Segment create(Path path, SegmentConfig config) throws IOException {
        return create(path, config, EpochClock.SYSTEM);
    }

    /** Creates a new segment file (0600) at {@code path} with the given clock. */
    public static Segment create(Path path, SegmentConfig config, EpochClock clock) throws IOException {
        Files.createFile(path, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        OpenSegmentFiles.Handle file = null;
        try {
            file = OpenSegmentFiles.open(path);
            allocate(file.channel(), config.memoryConsumption());
            MappedByteBuffer buffer = file.channel().map(FileChannel.MapMode.READ_WRITE, 0, config.memoryConsumption());
            Segment segment = new Segment(path, buffer, file, clock, config.memoryConsumption(),
                    config.slotCount(), config.maxAcceleratedFiles(), config.maxWastedPercentage());
            segment.writeHeader();
            LOG.debug("created segment {}: size={}, slots={}, maxKeys={}", path, config.memoryConsumption(),
                    config.slotCount(), config.maxAcceleratedFiles());
            return segment;
        } catch (IOException | RuntimeException e) {
            if (file != null) {
                file.close();
            }
            Files.deleteIfExists(path);
            throw e;
        }
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

    private void writeHeader() {
        long now = clock.millis();
        bytes.writeInt(HEADER_LENGTH_OFFSET, LENGTH);
        bytes.writeLong(SEGMENT_LENGTH_OFFSET, segmentLength);
        bytes.writeInt(SLOT_COUNT_OFFSET, slotCount);
        bytes.writeInt(MAX_KEYS_OFFSET, maxKeys);
        bytes.writeLong(INDEX_OFFSET_OFFSET, LENGTH);
        bytes.writeLong(ARENA_OFFSET_OFFSET, arenaOffset);
        bytes.writeLong(ARENA_LENGTH_OFFSET, arenaLength);
        bytes.writeLong(CREATOR_PID_OFFSET, pid);
        bytes.writeLong(CREATOR_START_MILLIS_OFFSET, processStartMillis(ProcessHandle.current()));
        bytes.writeLong(START_TIME_MILLIS_OFFSET, now);
        bytes.writeLong(MAX_WASTED_PERCENTAGE_OFFSET, maxWastedPercentage);
        // Generation 0 is never used, so that the zeroed index of a new file reads as empty.
        bytes.writeLong(GENERATION_OFFSET, 1);
        bytes.writeLong(HEARTBEAT_MILLIS_OFFSET, now);
        bytes.writeLong(MAGIC_OFFSET, MAGIC_VALUE);
        // Last, with release semantics: a process that sees the version sees the whole header.
        bytes.writeOrderedInt(VERSION_OFFSET, VERSION_VALUE);
    }

    /** Attaches to a pool's segment for reading and writing, after checking it thoroughly. */
    public static Segment attach(Path path) {
        return attach(path, EpochClock.SYSTEM);
    }

    /** Attaches with the given clock. */
    public static Segment attach(Path path, EpochClock clock) {
        return open(path, clock, false);
    }

    /**
     * Maps a segment read-only, for observing it (statistics, scripts) without a token and even
     * while its supervisor is wedged. Counts nothing and writes nothing; the creator need not be alive.
     */
    public static Segment openReadOnly(Path path) {
        return open(path, EpochClock.SYSTEM, true);
    }

    private static Segment open(Path path, EpochClock clock, boolean readOnly) {
        long fileLength;
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
            Set<PosixFilePermission> extra = EnumSet.noneOf(PosixFilePermission.class);
            for (PosixFilePermission permission : permissions) {
                if (!permission.name().startsWith("OWNER_")) {
                    extra.add(permission);
                }
            }
            if (!extra.isEmpty()) {
                throw new SegmentAttachException(path, Failure.INSECURE_PERMISSIONS,
                        "mode is " + PosixFilePermissions.toString(permissions) + " but must allow nobody but its owner"
                                + " (group/other may " + extra + "); chmod 600 it, or remove it and restart the pool");
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
        OpenSegmentFiles.Handle file = null;
        MappedByteBuffer buffer;
        try {
            if (readOnly) {
                buffer = OpenSegmentFiles.mapReadOnly(path, fileLength);
            } else {
                file = OpenSegmentFiles.open(path);
                buffer = file.channel().map(FileChannel.MapMode.READ_WRITE, 0, fileLength);
            }
        } catch (NoSuchFileException e) {
            throw new SegmentAttachException(path, Failure.MISSING, "no such file; is the pool running?", e);
        } catch (IOException e) {
            throw new SegmentAttachException(path, Failure.IO_ERROR, e.toString(), e);
        }
        try {
            return validateAndWrap(path, buffer, file, clock, fileLength, readOnly);
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

    private static Segment validateAndWrap(Path path, MappedByteBuffer buffer, OpenSegmentFiles.Handle file,
                                           EpochClock clock, long fileLength, boolean readOnly) {
        BytesStore<?, ?> header = BytesStore.follow(buffer);
        try {
            // MAGIC and VERSION are written last: zeros there are a creator still at work (or one that died).
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ATTACH_TIMEOUT_MILLIS);
            int version;
            while ((version = header.readVolatileInt(VERSION_OFFSET)) == 0 && header.readLong(MAGIC_OFFSET) == 0
                    && System.nanoTime() - deadline < 0) {
                LockSupport.parkNanos(1_000_000);
            }
            long magic = header.readLong(MAGIC_OFFSET);
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
            int slotCount = header.readInt(SLOT_COUNT_OFFSET);
            int maxKeys = header.readInt(MAX_KEYS_OFFSET);
            long maxWasted = header.readLong(MAX_WASTED_PERCENTAGE_OFFSET);
            String geometryProblem = geometryProblem(header, segmentLength, slotCount, maxKeys, maxWasted);
            if (geometryProblem != null) {
                throw new SegmentAttachException(path, Failure.CORRUPT_HEADER, geometryProblem);
            }
            if (!readOnly) {
                long creatorPid = header.readLong(CREATOR_PID_OFFSET);
                long creatorStart = header.readLong(CREATOR_START_MILLIS_OFFSET);
                if (!isAlive(creatorPid, creatorStart)) {
                    throw new SegmentAttachException(path, Failure.CREATOR_DEAD,
                            "its creator, pid " + creatorPid + ", has exited; the segment is abandoned"
                                    + " (the next start of that pool removes it)");
                }
            }
            return new Segment(path, buffer, file, clock, segmentLength, slotCount, maxKeys, (int) maxWasted);
        } finally {
            header.releaseLast();
        }
    }

    private static String geometryProblem(BytesStore<?, ?> header, long segmentLength, int slotCount, int maxKeys,
                                          long maxWasted) {
        if (header.readInt(HEADER_LENGTH_OFFSET) != LENGTH) {
            return "header length " + header.readInt(HEADER_LENGTH_OFFSET) + " is not " + LENGTH;
        }
        if (maxKeys < 1 || maxKeys > (1 << 24) || slotCount != SegmentConfig.slotCount(maxKeys)) {
            return "slot count " + slotCount + " does not fit max keys " + maxKeys;
        }
        long arenaOffset = LENGTH + (long) slotCount * SlotLayout.LENGTH;
        if (header.readLong(INDEX_OFFSET_OFFSET) != LENGTH
                || header.readLong(ARENA_OFFSET_OFFSET) != arenaOffset
                || header.readLong(ARENA_LENGTH_OFFSET) != segmentLength - arenaOffset
                || segmentLength - arenaOffset < SegmentConfig.MIN_ARENA_LENGTH) {
            return "index/arena offsets do not match slot count " + slotCount + " and length " + segmentLength;
        }
        if (maxWasted < 1 || maxWasted > 50) {
            return "max wasted percentage " + maxWasted + " is outside 1..50";
        }
        return null;
    }

    /** Whether the process {@code pid} that started at {@code startMillis} is still running. */
    static boolean isAlive(long pid, long startMillis) {
        if (pid <= 0) {
            return false;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            return false;
        }
        long actualStart = processStartMillis(process.get());
        // A recycled pid belongs to a process that started later; start times read from /proc agree
        // to within a clock tick.
        return startMillis == 0 || actualStart == 0 || Math.abs(actualStart - startMillis) < 1_000;
    }

    private static long processStartMillis(ProcessHandle process) {
        return process.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    }

    public Path path() {
        return path;
    }

    /** Whether this mapping is read-only (see {@link #openReadOnly}). */
    public boolean readOnly() {
        return file == null;
    }

    /** Whole size of the segment: opcache.memory_consumption. */
    public long memoryConsumption() {
        return segmentLength;
    }

    public int maxCachedKeys() {
        return maxKeys;
    }

    /** Unmaps nothing eagerly (the mapping goes with the buffer) but stops every further use. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        bytes.releaseLast();
        if (file != null) {
            file.close();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // reads: lock-free

    /**
     * Finds the current entry for a key and counts a hit (also on the key's slot) or a miss.
     *
     * @return the entry, or null for a miss; never throws for anything the segment holds
     */
    public CachedEntry lookup(SegmentKey key) {
        CachedEntry entry = find(key);
        if (entry != null) {
            recordHit(entry.slotOffset());
        } else {
            count(STRIPE_MISSES);
        }
        return entry;
    }

    /** Like {@link #lookup} but counts nothing: for tools and for polling. */
    public CachedEntry peek(SegmentKey key) {
        return find(key);
    }

    /**
     * The cheap check a worker makes on every request for a script whose classes it has loaded:
     * is this still the key's entry in the current generation? Counts a hit when it is; counts
     * nothing when not (the caller's following {@link #lookup} counts).
     */
    public boolean hitIfCurrent(CachedEntry entry) {
        if (closed) {
            return false;
        }
        if (bytes.readVolatileLong(GENERATION_OFFSET) != entry.generation()
                || bytes.readVolatileLong(entry.slotOffset() + SlotLayout.REF_OFFSET) != entry.ref()) {
            return false;
        }
        recordHit(entry.slotOffset());
        return true;
    }

    /**
     * Claims the next timestamp validation of an entry for the whole pool: returns true (and pushes
     * the key's revalidate-after time {@code freqMillis} ahead) for exactly one caller per period.
     */
    public boolean claimRevalidation(CachedEntry entry, long freqMillis) {
        if (closed || readOnly()) {
            return false;
        }
        long at = entry.slotOffset() + SlotLayout.REVALIDATE_AFTER_MILLIS_OFFSET;
        long due = bytes.readVolatileLong(at);
        // 0: never validated since the store; like OPcache, the first check is due one period
        // after the compile, not on the first request.
        long dueAt = due == 0 ? entry.metadata().compiledAtMillis() + freqMillis : due;
        long now = clock.millis();
        if (now < dueAt || bytes.readVolatileLong(entry.slotOffset() + SlotLayout.REF_OFFSET) != entry.ref()) {
            return false;
        }
        return bytes.compareAndSwapLong(at, due, now + freqMillis);
    }

    /** Counts one compilation done by this process for the pool (status: compiles). */
    public void countCompile() {
        if (!closed && !readOnly()) {
            bytes.addAndGetLong(COMPILES_OFFSET, 1);
        }
    }

    /** Counts a lookup of a script that may not be cached (opcache's blacklist_misses). */
    public void countBlacklistMiss() {
        count(STRIPE_BLACKLIST_MISSES);
    }

    private void count(int stripeField) {
        if (!closed && !readOnly()) {
            bytes.addAndGetLong(stripe() + stripeField, 1);
        }
    }

    /**
     * This thread's statistics stripe: by pid and thread, so that neither the workers nor the
     * request threads of one worker add to the same cache line.
     */
    private int stripe() {
        return stripeOffset(pid * 31 + Thread.currentThread().getId());
    }

    private void recordHit(long slot) {
        if (closed || readOnly()) {
            return;
        }
        bytes.addAndGetLong(stripe() + STRIPE_HITS, 1);
        // The slot may have been recycled for another key by a restart since we looked: then this
        // adds one hit to that key. Slots are never in the arena, so no entry can be damaged.
        bytes.addAndGetLong(slot + SlotLayout.HITS_OFFSET, 1);
        long now = clock.millis();
        long lastUsedAt = slot + SlotLayout.LAST_USED_MILLIS_OFFSET;
        long lastUsed = bytes.readLong(lastUsedAt);
        if (now - lastUsed >= LAST_USED_GRANULARITY_MILLIS || now < lastUsed) {
            bytes.writeOrderedLong(lastUsedAt, now);
        }
    }

    /** Offset of slot {@code index}; the index starts right after the header. */
    private static long slotAt(int index) {
        return LENGTH + (long) index * SlotLayout.LENGTH;
    }

    private CachedEntry find(SegmentKey key) {
        if (closed) {
            return null;
        }
        long generation = 0;
        try {
            if (bytes.readLong(MAGIC_OFFSET) != MAGIC_VALUE || bytes.readInt(VERSION_OFFSET) != VERSION_VALUE) {
                scheduleRestart(RestartReason.CORRUPTION, "bad magic or version in the header");
                return null;
            }
            generation = bytes.readVolatileLong(GENERATION_OFFSET);
            if ((int) generation == 0) {
                // Would make every never-written slot look claimed: only damage produces it.
                scheduleRestart(RestartReason.CORRUPTION, "generation " + generation + " is never used");
                return null;
            }
            long hash = key.hash();
            int index = (int) hash & slotMask;
            for (int probe = 0; probe < slotCount; probe++) {
                long slot = slotAt(index);
                long ref = bytes.readVolatileLong(slot + SlotLayout.REF_OFFSET);
                if (!SlotLayout.isGeneration(ref, generation)) {
                    return null;
                }
                int offset = SlotLayout.entryOffset(ref);
                if (offset != 0 && bytes.readLong(slot + SlotLayout.KEY_HASH_OFFSET) == hash) {
                    CachedEntry entry = readEntry(key, generation, slot, ref, offset);
                    if (entry != COLLISION) {
                        return entry;
                    }
                }
                index = (index + 1) & slotMask;
            }
            return null;
        } catch (RuntimeException e) {
            // Unreachable while the checks above hold; kept so that no lookup ever throws.
            if (!closed) {
                damaged(generation, "unexpected " + e);
            }
            return null;
        }
    }

    /**
     * Reads and validates the entry a slot points at.
     *
     * @return the entry; {@link #COLLISION} when it is another key's; null when it is stale or damaged
     */
    private CachedEntry readEntry(SegmentKey key, long generation, long slot, long ref, int offset) {
        if (offset < arenaOffset || offset > arenaEnd - EntryLayout.HEADER_LENGTH || (offset & 7) != 0) {
            return damaged(generation, "entry offset " + offset + " outside the arena");
        }
        if (bytes.readInt(offset + EntryLayout.MAGIC_OFFSET) != EntryLayout.MAGIC_VALUE
                || bytes.readLong(offset + EntryLayout.GENERATION_OFFSET) != generation
                || bytes.readLong(offset + EntryLayout.KEY_HASH_OFFSET) != key.hash()) {
            return damaged(generation, "entry at " + offset + " has a bad magic, generation or hash");
        }
        int length = bytes.readInt(offset + EntryLayout.LENGTH_OFFSET);
        int keyLength = bytes.readInt(offset + EntryLayout.KEY_LENGTH_OFFSET);
        int payloadLength = bytes.readInt(offset + EntryLayout.PAYLOAD_LENGTH_OFFSET);
        if (keyLength < 1 || keyLength > SegmentKey.MAX_LENGTH || payloadLength < 0
                || length != EntryLayout.entryLength(keyLength, payloadLength) || offset + (long) length > arenaEnd) {
            return damaged(generation, "entry at " + offset + " has lengths out of range");
        }
        if (keyLength != key.utf8().length || !keyEquals(offset + EntryLayout.HEADER_LENGTH, key)) {
            return generationStill(generation) ? COLLISION : null;
        }
        EntryMetadata metadata = new EntryMetadata(
                bytes.readLong(offset + EntryLayout.SOURCE_MTIME_OFFSET),
                bytes.readLong(offset + EntryLayout.SOURCE_SIZE_OFFSET),
                bytes.readLong(offset + EntryLayout.CONTENT_HASH_OFFSET),
                bytes.readLong(offset + EntryLayout.COMPILED_AT_OFFSET),
                bytes.readLong(offset + EntryLayout.COMPILE_MICROS_OFFSET));
        if (!generationStill(generation)) {
            return null;
        }
        return new CachedEntry(this, key, generation, slot, ref, offset, length, payloadLength, metadata);
    }

    /** The seqlock check: after reading an entry, has a restart begun to recycle the arena? */
    private boolean generationStill(long generation) {
        // Keeps the reads above from moving below the generation read.
        VarHandle.acquireFence();
        return bytes.readVolatileLong(GENERATION_OFFSET) == generation;
    }

    private boolean keyEquals(long at, SegmentKey key) {
        long[] words = key.words();
        int length = key.utf8().length;
        int full = length >> 3;
        for (int i = 0; i < full; i++) {
            if (bytes.readLong(at + 8L * i) != words[i]) {
                return false;
            }
        }
        int tail = length & 7;
        if (tail == 0) {
            return true;
        }
        // The entry is padded to 8 bytes after its payload, so this word is inside the entry.
        long mask = (1L << (tail * 8)) - 1;
        return (bytes.readLong(at + 8L * full) & mask) == words[full];
    }

    private CachedEntry damaged(long generation, String what) {
        if (generationStill(generation)) {
            scheduleRestart(RestartReason.CORRUPTION, what);
        }
        return null;
    }

    byte[] copyPayload(CachedEntry entry) {
        if (closed) {
            return null;
        }
        int offset = entry.entryOffset();
        int payloadAt = offset + EntryLayout.HEADER_LENGTH + entry.key().utf8().length;
        byte[] payload = new byte[entry.payloadLength()];
        bytes.read(payloadAt, payload, 0, payload.length);
        CRC32C crc = new CRC32C();
        crc.update(buffer.duplicate().limit(payloadAt).position(offset + EntryLayout.CHECKED_FROM));
        crc.update(payload);
        int expected = bytes.readInt(offset + EntryLayout.CHECKSUM_OFFSET);
        if (!generationStill(entry.generation())) {
            return null;
        }
        if ((int) crc.getValue() != expected) {
            scheduleRestart(RestartReason.CORRUPTION, "checksum mismatch in the entry of " + entry.key());
            return null;
        }
        return payload;
    }

    /**
     * Asks for a restart at the next write; readers cannot take the lock, so this is how they
     * report damage. Only the process that sets the request logs it.
     */
    private void scheduleRestart(RestartReason reason, String what) {
        if (readOnly()) {
            return;
        }
        if (bytes.compareAndSwapInt(RESTART_PENDING_OFFSET, 0, reason.code())) {
            LOG.warn("segment {}: {}; restart scheduled (reason {})", path, what, reason);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // writes: under the cross-process lock

    /**
     * Stores a script's compiled classes under its key, replacing (and counting as wasted) any
     * previous entry, and clears the key's compiling marker. May restart the cache first when it is
     * full and enough memory is wasted, as OPcache does.
     */
    public StoreOutcome store(SegmentKey key, EntryMetadata metadata, byte[] payload) {
        long entryLength = EntryLayout.entryLength(key.utf8().length, payload.length);
        if (entryLength > arenaLength) {
            return StoreOutcome.TOO_LARGE;
        }
        return write(() -> {
            for (int attempt = 0; ; attempt++) {
                long generation = bytes.readLong(GENERATION_OFFSET);
                long slot = findSlotForWrite(key, generation);
                boolean claim = slot < 0;
                if (claim && (slot == NO_SLOT || bytes.readInt(USED_KEYS_OFFSET) >= maxKeys)) {
                    if (attempt == 0 && restartIfWasted(RestartReason.HASH)) {
                        continue;
                    }
                    bytes.writeInt(CACHE_FULL_OFFSET, 1);
                    return StoreOutcome.CACHE_FULL;
                }
                long top = bytes.readLong(ARENA_TOP_OFFSET);
                if (top + entryLength > arenaLength) {
                    if (attempt == 0 && restartIfWasted(RestartReason.OOM)) {
                        continue;
                    }
                    bytes.writeInt(CACHE_FULL_OFFSET, 1);
                    return StoreOutcome.CACHE_FULL;
                }
                int offset = (int) (arenaOffset + top);
                bytes.writeLong(ARENA_TOP_OFFSET, top + entryLength);
                writeEntry(offset, (int) entryLength, key, generation, metadata, payload);
                if (claim) {
                    slot = -slot - 1;
                    claimSlot(slot, key);
                } else {
                    retire(SlotLayout.entryOffset(bytes.readLong(slot + SlotLayout.REF_OFFSET)));
                }
                bytes.writeLong(slot + SlotLayout.MARKER_PID_OFFSET, 0);
                bytes.writeLong(slot + SlotLayout.HITS_OFFSET, 0);
                bytes.writeLong(slot + SlotLayout.REVALIDATE_AFTER_MILLIS_OFFSET, 0);
                // Publication: everything above is visible before the slot points at it.
                bytes.writeVolatileLong(slot + SlotLayout.REF_OFFSET, SlotLayout.ref(generation, offset));
                bytes.writeInt(CACHED_SCRIPTS_OFFSET, bytes.readInt(CACHED_SCRIPTS_OFFSET) + 1);
                bytes.writeLong(STORES_OFFSET, bytes.readLong(STORES_OFFSET) + 1);
                return StoreOutcome.STORED;
            }
        });
    }

    private void writeEntry(int offset, int length, SegmentKey key, long generation, EntryMetadata metadata,
                            byte[] payload) {
        byte[] utf8 = key.utf8();
        bytes.writeInt(offset + EntryLayout.MAGIC_OFFSET, 0);
        bytes.writeLong(offset + EntryLayout.GENERATION_OFFSET, generation);
        bytes.writeLong(offset + EntryLayout.KEY_HASH_OFFSET, key.hash());
        bytes.writeLong(offset + EntryLayout.SOURCE_MTIME_OFFSET, metadata.sourceMtimeMillis());
        bytes.writeLong(offset + EntryLayout.SOURCE_SIZE_OFFSET, metadata.sourceSize());
        bytes.writeLong(offset + EntryLayout.CONTENT_HASH_OFFSET, metadata.contentHash());
        bytes.writeLong(offset + EntryLayout.COMPILED_AT_OFFSET, metadata.compiledAtMillis());
        bytes.writeLong(offset + EntryLayout.COMPILE_MICROS_OFFSET, metadata.compileMicros());
        bytes.writeInt(offset + EntryLayout.LENGTH_OFFSET, length);
        bytes.writeInt(offset + EntryLayout.KEY_LENGTH_OFFSET, utf8.length);
        bytes.writeInt(offset + EntryLayout.PAYLOAD_LENGTH_OFFSET, payload.length);
        bytes.writeInt(offset + EntryLayout.PAYLOAD_LENGTH_OFFSET + Integer.BYTES, 0);
        int keyAt = offset + EntryLayout.HEADER_LENGTH;
        bytes.write(keyAt, utf8, 0, utf8.length);
        bytes.write(keyAt + utf8.length, payload, 0, payload.length);
        int end = keyAt + utf8.length + payload.length;
        bytes.zeroOut(end, offset + length);
        CRC32C crc = new CRC32C();
        crc.update(buffer.duplicate().limit(end).position(offset + EntryLayout.CHECKED_FROM));
        bytes.writeInt(offset + EntryLayout.CHECKSUM_OFFSET, (int) crc.getValue());
        bytes.writeOrderedInt(offset + EntryLayout.MAGIC_OFFSET, EntryLayout.MAGIC_VALUE);
    }

    private void claimSlot(long slot, SegmentKey key) {
        bytes.writeLong(slot + SlotLayout.KEY_HASH_OFFSET, key.hash());
        bytes.writeLong(slot + SlotLayout.MARKER_PID_OFFSET, 0);
        bytes.writeLong(slot + SlotLayout.MARKER_SINCE_MILLIS_OFFSET, 0);
        bytes.writeLong(slot + SlotLayout.HITS_OFFSET, 0);
        bytes.writeLong(slot + SlotLayout.LAST_USED_MILLIS_OFFSET, 0);
        bytes.writeLong(slot + SlotLayout.REVALIDATE_AFTER_MILLIS_OFFSET, 0);
        bytes.writeInt(USED_KEYS_OFFSET, bytes.readInt(USED_KEYS_OFFSET) + 1);
    }

    /** Points the slot at no entry, counting its entry, if any, as wasted. */
    private boolean wasteEntryOf(long slot) {
        int offset = SlotLayout.entryOffset(bytes.readLong(slot + SlotLayout.REF_OFFSET));
        if (offset == 0) {
            return false;
        }
        bytes.writeVolatileLong(slot + SlotLayout.REF_OFFSET, SlotLayout.ref(bytes.readLong(GENERATION_OFFSET), 0));
        retire(offset);
        return true;
    }

    /** Counts the entry at {@code offset} (none when 0), no longer referenced, as wasted. */
    private void retire(int offset) {
        if (offset == 0) {
            return;
        }
        long length = offset >= arenaOffset && offset <= arenaEnd - EntryLayout.HEADER_LENGTH
                ? bytes.readInt(offset + EntryLayout.LENGTH_OFFSET) : 0;
        bytes.writeLong(WASTED_BYTES_OFFSET, bytes.readLong(WASTED_BYTES_OFFSET) + length);
        bytes.writeInt(CACHED_SCRIPTS_OFFSET, bytes.readInt(CACHED_SCRIPTS_OFFSET) - 1);
    }

    private static final long NO_SLOT = Long.MIN_VALUE;

    /**
     * Under the lock: the key's slot in this generation (offset >= 0), or {@code -emptySlot - 1}
     * for the empty slot where it would be claimed, or {@link #NO_SLOT} when no slot is empty.
     * Entries met on the way were validated when their slot was written, by this process or by a
     * recovery; their offsets are still checked, since the segment may have been damaged since.
     */
    private long findSlotForWrite(SegmentKey key, long generation) {
        long hash = key.hash();
        int index = (int) hash & slotMask;
        for (int probe = 0; probe < slotCount; probe++) {
            long slot = slotAt(index);
            long ref = bytes.readLong(slot + SlotLayout.REF_OFFSET);
            if (!SlotLayout.isGeneration(ref, generation)) {
                return -slot - 1;
            }
            if (bytes.readLong(slot + SlotLayout.KEY_HASH_OFFSET) == hash) {
                int offset = SlotLayout.entryOffset(ref);
                if (offset == 0 || entryKeyEquals(offset, key)) {
                    return slot;
                }
            }
            index = (index + 1) & slotMask;
        }
        return NO_SLOT;
    }

    private boolean entryKeyEquals(int offset, SegmentKey key) {
        return offset >= arenaOffset && (offset & 7) == 0
                && offset + EntryLayout.entryLength(key.utf8().length, 0) <= arenaEnd
                && bytes.readInt(offset + EntryLayout.KEY_LENGTH_OFFSET) == key.utf8().length
                && keyEquals(offset + EntryLayout.HEADER_LENGTH, key);
    }

    private boolean restartIfWasted(RestartReason reason) {
        long wasted = bytes.readLong(WASTED_BYTES_OFFSET);
        if (wasted * 100 >= (long) maxWastedPercentage * segmentLength) {
            restart(reason);
            return true;
        }
        return false;
    }

    /**
     * OPcache semantics: with {@code force}, always; without, only when the file's mtime or size no
     * longer match what was compiled (or the file is gone).
     *
     * @return whether an entry was invalidated
     */
    public boolean invalidate(SegmentKey key, boolean force) {
        SourceStamp stamp = force ? null : SourceStamp.of(Path.of(key.path()));
        return write(() -> {
            long slot = findSlotForWrite(key, bytes.readLong(GENERATION_OFFSET));
            if (slot < 0 || SlotLayout.entryOffset(bytes.readLong(slot + SlotLayout.REF_OFFSET)) == 0) {
                return false;
            }
            if (!force && stamp != null) {
                int offset = SlotLayout.entryOffset(bytes.readLong(slot + SlotLayout.REF_OFFSET));
                if (stamp.mtimeMillis() == bytes.readLong(offset + EntryLayout.SOURCE_MTIME_OFFSET)
                        && stamp.size() == bytes.readLong(offset + EntryLayout.SOURCE_SIZE_OFFSET)) {
                    return false;
                }
            }
            return wasteEntryOf(slot);
        });
    }

    /** Invalidates (force) every cached script whose path starts with {@code prefix}. */
    public List<String> invalidatePrefix(String prefix) {
        return write(() -> {
            long generation = bytes.readLong(GENERATION_OFFSET);
            List<String> invalidated = new ArrayList<>();
            for (int index = 0; index < slotCount; index++) {
                long slot = slotAt(index);
                long ref = bytes.readLong(slot + SlotLayout.REF_OFFSET);
                if (SlotLayout.isGeneration(ref, generation) && SlotLayout.entryOffset(ref) != 0) {
                    String key = entryKey(SlotLayout.entryOffset(ref));
                    if (key != null && key.startsWith(prefix)) {
                        wasteEntryOf(slot);
                        invalidated.add(key);
                    }
                }
            }
            return invalidated;
        });
    }

    /**
     * Manual restart (opcache_reset): empties the cache for every attached process at once by
     * moving to a new generation. O(1); waits for no reader.
     *
     * @return the new generation
     */
    public long reset() {
        return write(() -> {
            restart(RestartReason.MANUAL);
            return bytes.readLong(GENERATION_OFFSET);
        });
    }

    /** Performs a restart requested by a reader, if any; for the supervisor's housekeeping. */
    public void maintain() {
        write(() -> null);
    }

    /** How many times the pool's realpath caches were cleared; workers compare it on each request. */
    public long statGeneration() {
        return closed ? 0 : bytes.readVolatileLong(STAT_GENERATION_OFFSET);
    }

    /** Asks every process of the pool to drop its realpath cache (stat/clear); returns the new value. */
    public long clearStatCaches() {
        if (readOnly()) {
            throw new IllegalStateException("segment " + path + " is mapped read-only");
        }
        return bytes.addAndGetLong(STAT_GENERATION_OFFSET, 1);
    }

    /** The supervisor's liveness signal, read by tools. */
    public void heartbeat() {
        if (!readOnly() && !closed) {
            bytes.writeOrderedLong(HEARTBEAT_MILLIS_OFFSET, clock.millis());
        }
    }

    private void restart(RestartReason reason) {
        long generation = bytes.readLong(GENERATION_OFFSET) + 1;
        if (generation == 0 || (int) generation == 0) {
            generation++; // keep REF generation 0 meaning "never written"
        }
        bytes.writeVolatileLong(GENERATION_OFFSET, generation);
        VarHandle.fullFence();
        bytes.writeLong(ARENA_TOP_OFFSET, 0);
        bytes.writeLong(WASTED_BYTES_OFFSET, 0);
        bytes.writeInt(USED_KEYS_OFFSET, 0);
        bytes.writeInt(CACHED_SCRIPTS_OFFSET, 0);
        bytes.writeInt(CACHE_FULL_OFFSET, 0);
        bytes.writeLong(LAST_RESTART_MILLIS_OFFSET, clock.millis());
        bytes.writeInt(LAST_RESTART_REASON_OFFSET, reason.code());
        int counter = restartCounterOffset(reason);
        bytes.writeLong(counter, bytes.readLong(counter) + 1);
        bytes.writeVolatileInt(RESTART_PENDING_OFFSET, 0);
        LOG.info("segment {}: restart ({}), generation {}", path, reason, generation);
    }

    // ---------------------------------------------------------------------------------------------
    // compiling markers

    /**
     * Asks to compile a key that missed. The first caller becomes its {@link CompileClaim.Kind#OWNER}
     * (the key's slot records its pid and the time); others get {@code BUSY} while that owner is
     * alive and started less than {@code staleAfterMillis} ago, and {@code OWNER} after that.
     */
    public CompileClaim beginCompile(SegmentKey key, long staleAfterMillis) {
        return write(() -> {
            long generation = bytes.readLong(GENERATION_OFFSET);
            long slot = findSlotForWrite(key, generation);
            long now = clock.millis();
            if (slot < 0) {
                if (slot == NO_SLOT || bytes.readInt(USED_KEYS_OFFSET) >= maxKeys) {
                    return CompileClaim.UNTRACKED;
                }
                slot = -slot - 1;
                claimSlot(slot, key);
                bytes.writeLong(slot + SlotLayout.MARKER_PID_OFFSET, pid);
                bytes.writeLong(slot + SlotLayout.MARKER_SINCE_MILLIS_OFFSET, now);
                bytes.writeVolatileLong(slot + SlotLayout.REF_OFFSET, SlotLayout.ref(generation, 0));
                return CompileClaim.OWNER;
            }
            if (SlotLayout.entryOffset(bytes.readLong(slot + SlotLayout.REF_OFFSET)) != 0) {
                return CompileClaim.CACHED;
            }
            long owner = bytes.readLong(slot + SlotLayout.MARKER_PID_OFFSET);
            long since = bytes.readLong(slot + SlotLayout.MARKER_SINCE_MILLIS_OFFSET);
            // A marker from the future is held, not stale: processes read coarse clocks that may lag
            // each other by a tick or more under load. A waiter's own deadline bounds any error.
            if (owner != 0 && now - since < staleAfterMillis && isAlive(owner, 0)) {
                return CompileClaim.busy(owner, since);
            }
            bytes.writeLong(slot + SlotLayout.MARKER_PID_OFFSET, pid);
            bytes.writeLong(slot + SlotLayout.MARKER_SINCE_MILLIS_OFFSET, now);
            return CompileClaim.OWNER;
        });
    }

    /**
     * Waits, without holding the lock, until the key is stored by its compiling owner, or the owner
     * dies or goes stale, or {@code maxWaitMillis} pass; then returns {@code CACHED} or makes the
     * caller the owner. Never returns {@code BUSY}.
     */
    public CompileClaim awaitCompile(SegmentKey key, long staleAfterMillis, long maxWaitMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
        while (true) {
            CompileClaim claim = beginCompile(key, System.nanoTime() - deadline >= 0 ? 0 : staleAfterMillis);
            if (claim.kind() != CompileClaim.Kind.BUSY) {
                return claim;
            }
            long pause = 200_000;
            while (System.nanoTime() - deadline < 0) {
                LockSupport.parkNanos(pause);
                pause = Math.min(pause * 2, 10_000_000);
                if (find(key) != null) {
                    return CompileClaim.CACHED;
                }
                long now = clock.millis();
                if (!markerIs(key, claim.ownerPid(), claim.sinceMillis()) || now - claim.sinceMillis() >= staleAfterMillis
                        || !isAlive(claim.ownerPid(), 0)) {
                    break;
                }
            }
        }
    }

    private boolean markerIs(SegmentKey key, long ownerPid, long sinceMillis) {
        long generation = bytes.readVolatileLong(GENERATION_OFFSET);
        long hash = key.hash();
        int index = (int) hash & slotMask;
        for (int probe = 0; probe < slotCount; probe++) {
            long slot = slotAt(index);
            long ref = bytes.readVolatileLong(slot + SlotLayout.REF_OFFSET);
            if (!SlotLayout.isGeneration(ref, generation)) {
                return false;
            }
            if (bytes.readLong(slot + SlotLayout.KEY_HASH_OFFSET) == hash && SlotLayout.entryOffset(ref) == 0) {
                return bytes.readVolatileLong(slot + SlotLayout.MARKER_PID_OFFSET) == ownerPid
                        && bytes.readVolatileLong(slot + SlotLayout.MARKER_SINCE_MILLIS_OFFSET) == sinceMillis;
            }
            index = (index + 1) & slotMask;
        }
        return false;
    }

    /** Gives up this process's compile of a key (a compile error), so that others stop waiting. */
    public void abandonCompile(SegmentKey key) {
        write(() -> {
            long slot = findSlotForWrite(key, bytes.readLong(GENERATION_OFFSET));
            if (slot >= 0 && bytes.readLong(slot + SlotLayout.MARKER_PID_OFFSET) == pid) {
                bytes.writeLong(slot + SlotLayout.MARKER_PID_OFFSET, 0);
            }
            return null;
        });
    }

    // ---------------------------------------------------------------------------------------------
    // the lock and recovery

    private <T> T write(Supplier<T> operation) {
        if (closed) {
            throw new IllegalStateException("segment " + path + " is closed");
        }
        if (readOnly()) {
            throw new IllegalStateException("segment " + path + " is mapped read-only");
        }
        lock();
        try {
            boolean interrupted = bytes.readLong(DIRTY_OFFSET) != 0;
            bytes.writeVolatileLong(DIRTY_OFFSET, 1);
            prepareForWrite(interrupted);
            T result = operation.get();
            bytes.writeOrderedLong(DIRTY_OFFSET, 0);
            return result;
        } finally {
            unlock();
        }
    }

    private void lock() {
        boolean locked;
        try {
            locked = file.lock(lockTimeoutNanos);
        } catch (IOException e) {
            throw new SegmentException("segment " + path + ": cannot take the write lock: " + e, e);
        }
        if (!locked) {
            long holder = bytes.readVolatileLong(LOCK_WORD_OFFSET);
            long since = bytes.readVolatileLong(LOCK_SINCE_MILLIS_OFFSET);
            throw new SegmentLockTimeoutException("segment " + path + ": write lock not free after "
                    + DEFAULT_LOCK_TIMEOUT_MILLIS + " ms; held by pid " + holder + " since " + Instant.ofEpochMilli(since)
                    + ". A dead holder releases it at once, so that process is alive but stuck (stopped? in a debugger?):"
                    + " resume or kill it");
        }
        bytes.writeLong(LOCK_WORD_OFFSET, pid);
        bytes.writeLong(LOCK_SINCE_MILLIS_OFFSET, clock.millis());
    }

    private void unlock() {
        bytes.writeLong(LOCK_WORD_OFFSET, 0);
        try {
            file.unlock();
        } catch (IOException e) {
            throw new SegmentException("segment " + path + ": cannot release the write lock: " + e, e);
        }
    }

    /** Under the lock, before any change: repair what a dead writer or damage left. */
    private void prepareForWrite(boolean interruptedWrite) {
        String damage = headerDamage();
        if (damage != null) {
            LOG.warn("segment {}: {}; rewriting the header and restarting", path, damage);
            writeIdentity();
            restart(RestartReason.CORRUPTION);
            return;
        }
        long top = bytes.readLong(ARENA_TOP_OFFSET);
        if (top < 0 || top > arenaLength || (top & 7) != 0) {
            LOG.warn("segment {}: arena top {} out of range; restarting", path, top);
            restart(RestartReason.CORRUPTION);
            return;
        }
        if (interruptedWrite || !countersPlausible(top)) {
            recover();
        }
        int pending = bytes.readVolatileInt(RESTART_PENDING_OFFSET);
        if (pending != 0) {
            RestartReason reason = RestartReason.ofCode(pending);
            restart(reason == RestartReason.NONE ? RestartReason.CORRUPTION : reason);
        }
    }

    private String headerDamage() {
        if (bytes.readLong(MAGIC_OFFSET) != MAGIC_VALUE || bytes.readInt(VERSION_OFFSET) != VERSION_VALUE) {
            return "bad magic or version";
        }
        if ((int) bytes.readLong(GENERATION_OFFSET) == 0) {
            return "generation with zero low bits, which no restart makes";
        }
        if (bytes.readLong(SEGMENT_LENGTH_OFFSET) != segmentLength || bytes.readInt(SLOT_COUNT_OFFSET) != slotCount
                || bytes.readInt(MAX_KEYS_OFFSET) != maxKeys
                || geometryProblem(bytes, segmentLength, slotCount, maxKeys, bytes.readLong(MAX_WASTED_PERCENTAGE_OFFSET)) != null
                || bytes.readLong(MAX_WASTED_PERCENTAGE_OFFSET) != maxWastedPercentage) {
            return "header geometry differs from the one attached";
        }
        return null;
    }

    /** Writes back the fields every attached process already knows; creator and times stay as they are. */
    private void writeIdentity() {
        bytes.writeLong(MAGIC_OFFSET, MAGIC_VALUE);
        bytes.writeInt(HEADER_LENGTH_OFFSET, LENGTH);
        bytes.writeLong(SEGMENT_LENGTH_OFFSET, segmentLength);
        bytes.writeInt(SLOT_COUNT_OFFSET, slotCount);
        bytes.writeInt(MAX_KEYS_OFFSET, maxKeys);
        bytes.writeLong(INDEX_OFFSET_OFFSET, LENGTH);
        bytes.writeLong(ARENA_OFFSET_OFFSET, arenaOffset);
        bytes.writeLong(ARENA_LENGTH_OFFSET, arenaLength);
        bytes.writeLong(MAX_WASTED_PERCENTAGE_OFFSET, maxWastedPercentage);
        bytes.writeVolatileInt(VERSION_OFFSET, VERSION_VALUE);
    }

    private boolean countersPlausible(long top) {
        long wasted = bytes.readLong(WASTED_BYTES_OFFSET);
        int keys = bytes.readInt(USED_KEYS_OFFSET);
        int scripts = bytes.readInt(CACHED_SCRIPTS_OFFSET);
        return wasted >= 0 && wasted <= top && keys >= 0 && keys <= maxKeys && scripts >= 0 && scripts <= keys;
    }

    /**
     * A writer died between DIRTY and its end, or the counters were damaged: recount the current
     * generation from the index, dropping (as wasted) any entry that does not verify.
     */
    private void recover() {
        long top = bytes.readLong(ARENA_TOP_OFFSET);
        SegmentVerification scan = scan(bytes.readLong(GENERATION_OFFSET), top, true);
        if (scan.keys() > maxKeys || scan.liveBytes() > top) {
            // More keys than allowed, or entries shared by slots: a recount cannot make this right.
            LOG.warn("segment {}: {} keys claimed ({} allowed), {} live bytes below a top of {}; restarting", path,
                    scan.keys(), maxKeys, scan.liveBytes(), top);
            restart(RestartReason.CORRUPTION);
            return;
        }
        bytes.writeInt(USED_KEYS_OFFSET, scan.keys());
        bytes.writeInt(CACHED_SCRIPTS_OFFSET, scan.scripts());
        bytes.writeLong(WASTED_BYTES_OFFSET, top - scan.liveBytes());
        bytes.writeLong(RECOVERIES_OFFSET, bytes.readLong(RECOVERIES_OFFSET) + 1);
        LOG.warn("segment {}: recovered after an interrupted write or damaged counters: keys={}, scripts={}, wasted={},"
                + " dropped={}", path, scan.keys(), scan.scripts(), top - scan.liveBytes(), scan.problems().size());
    }

    /**
     * Walks the index of {@code generation}, verifying every entry (checksum included). With
     * {@code repair} (under the lock), a slot whose entry does not verify is pointed at no entry.
     */
    private SegmentVerification scan(long generation, long top, boolean repair) {
        List<String> problems = new ArrayList<>();
        int keys = 0;
        int scripts = 0;
        long live = 0;
        for (int index = 0; index < slotCount; index++) {
            long slot = slotAt(index);
            long ref = bytes.readVolatileLong(slot + SlotLayout.REF_OFFSET);
            if (!SlotLayout.isGeneration(ref, generation)) {
                continue;
            }
            keys++;
            int offset = SlotLayout.entryOffset(ref);
            if (offset == 0) {
                continue;
            }
            long length = verifyEntry(offset, generation, bytes.readLong(slot + SlotLayout.KEY_HASH_OFFSET), top);
            if (length > 0) {
                scripts++;
                live += length;
            } else {
                problems.add("slot " + index + " points at a damaged entry at offset " + offset);
                if (repair) {
                    bytes.writeVolatileLong(slot + SlotLayout.REF_OFFSET, SlotLayout.ref(generation, 0));
                }
            }
        }
        return new SegmentVerification(keys, scripts, live, top, problems);
    }

    /**
     * Checks an entry completely, checksum included.
     *
     * @return its length, or -1 when it is not a whole entry of this generation and key hash
     */
    private long verifyEntry(int offset, long generation, long keyHash, long top) {
        if (offset < arenaOffset || offset > arenaEnd - EntryLayout.HEADER_LENGTH || (offset & 7) != 0
                || bytes.readInt(offset + EntryLayout.MAGIC_OFFSET) != EntryLayout.MAGIC_VALUE
                || bytes.readLong(offset + EntryLayout.GENERATION_OFFSET) != generation
                || bytes.readLong(offset + EntryLayout.KEY_HASH_OFFSET) != keyHash) {
            return -1;
        }
        int length = bytes.readInt(offset + EntryLayout.LENGTH_OFFSET);
        int keyLength = bytes.readInt(offset + EntryLayout.KEY_LENGTH_OFFSET);
        int payloadLength = bytes.readInt(offset + EntryLayout.PAYLOAD_LENGTH_OFFSET);
        if (keyLength < 1 || keyLength > SegmentKey.MAX_LENGTH || payloadLength < 0
                || length != EntryLayout.entryLength(keyLength, payloadLength)
                || offset + (long) length > arenaOffset + top) {
            return -1;
        }
        int end = offset + EntryLayout.HEADER_LENGTH + keyLength + payloadLength;
        CRC32C crc = new CRC32C();
        crc.update(buffer.duplicate().limit(end).position(offset + EntryLayout.CHECKED_FROM));
        if ((int) crc.getValue() != bytes.readInt(offset + EntryLayout.CHECKSUM_OFFSET)) {
            return -1;
        }
        return length;
    }

    /** The key of a verified-looking entry, or null. */
    private String entryKey(int offset) {
        if (offset < arenaOffset || offset > arenaEnd - EntryLayout.HEADER_LENGTH) {
            return null;
        }
        int keyLength = bytes.readInt(offset + EntryLayout.KEY_LENGTH_OFFSET);
        if (keyLength < 1 || keyLength > SegmentKey.MAX_LENGTH
                || offset + (long) EntryLayout.HEADER_LENGTH + keyLength > arenaEnd) {
            return null;
        }
        byte[] key = new byte[keyLength];
        bytes.read(offset + EntryLayout.HEADER_LENGTH, key, 0, keyLength);
        return new String(key, StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------------------------------------
    // statistics and verification

    /** The figures behind opcache_get_status(), read without the lock. */
    public SegmentStatistics statistics() {
        long hits = 0;
        long misses = 0;
        long blacklistMisses = 0;
        for (int i = 0; i < STRIPE_COUNT; i++) {
            int stripeAt = STRIPES_OFFSET + i * STRIPE_LENGTH;
            hits += bytes.readVolatileLong(stripeAt + STRIPE_HITS);
            misses += bytes.readVolatileLong(stripeAt + STRIPE_MISSES);
            blacklistMisses += bytes.readVolatileLong(stripeAt + STRIPE_BLACKLIST_MISSES);
        }
        long top = clamp(bytes.readVolatileLong(ARENA_TOP_OFFSET), 0, arenaLength);
        long wasted = clamp(bytes.readVolatileLong(WASTED_BYTES_OFFSET), 0, top);
        long free = arenaLength - top;
        return new SegmentStatistics(
                segmentLength,
                segmentLength - free - wasted,
                free,
                wasted,
                bytes.readVolatileInt(CACHE_FULL_OFFSET) != 0,
                RestartReason.ofCode(bytes.readVolatileInt(RESTART_PENDING_OFFSET)),
                bytes.readVolatileInt(CACHED_SCRIPTS_OFFSET),
                bytes.readVolatileInt(USED_KEYS_OFFSET),
                maxKeys,
                hits,
                misses,
                blacklistMisses,
                bytes.readVolatileLong(STORES_OFFSET),
                bytes.readVolatileLong(START_TIME_MILLIS_OFFSET),
                bytes.readVolatileLong(LAST_RESTART_MILLIS_OFFSET),
                RestartReason.ofCode(bytes.readVolatileInt(LAST_RESTART_REASON_OFFSET)),
                bytes.readVolatileLong(OOM_RESTARTS_OFFSET),
                bytes.readVolatileLong(HASH_RESTARTS_OFFSET),
                bytes.readVolatileLong(MANUAL_RESTARTS_OFFSET),
                bytes.readVolatileLong(CORRUPTION_RESTARTS_OFFSET),
                bytes.readVolatileLong(RECOVERIES_OFFSET),
                bytes.readVolatileLong(COMPILES_OFFSET),
                bytes.readVolatileLong(GENERATION_OFFSET),
                bytes.readVolatileLong(CREATOR_PID_OFFSET),
                bytes.readVolatileLong(HEARTBEAT_MILLIS_OFFSET));
    }

    private static long clamp(long value, long min, long max) {
        return Math.max(min, Math.min(max, value));
    }

    /**
     * The cached scripts of the current generation (opcache_get_status()['scripts']), read without
     * the lock; an entry recycled while it is read is left out.
     */
    public List<ScriptStatistics> scripts() {
        List<ScriptStatistics> scripts = new ArrayList<>();
        long generation = bytes.readVolatileLong(GENERATION_OFFSET);
        for (int index = 0; index < slotCount && !closed; index++) {
            long slot = slotAt(index);
            long ref = bytes.readVolatileLong(slot + SlotLayout.REF_OFFSET);
            int offset = SlotLayout.entryOffset(ref);
            if (!SlotLayout.isGeneration(ref, generation) || offset == 0) {
                continue;
            }
            String path = entryKey(offset);
            SegmentKey key;
            try {
                key = path == null ? null : SegmentKey.of(path);
            } catch (IllegalArgumentException damagedKey) {
                key = null;
            }
            CachedEntry entry = key == null ? null : find(key);
            if (entry == null || entry.ref() != ref) {
                continue;
            }
            scripts.add(new ScriptStatistics(path,
                    bytes.readVolatileLong(slot + SlotLayout.HITS_OFFSET),
                    entry.memoryConsumption(),
                    bytes.readVolatileLong(slot + SlotLayout.LAST_USED_MILLIS_OFFSET),
                    entry.metadata().sourceMtimeMillis(),
                    entry.metadata()));
        }
        return scripts;
    }

    /**
     * Scans the current generation and checks every invariant that can be checked: each entry
     * verifies (checksum included), the counters match a recount, and nothing lies past the top.
     * Read-only; meant for tests and for diagnosing a pool. Results are exact only while no writer runs.
     */
    public SegmentVerification verify() {
        List<String> problems = new ArrayList<>();
        long generation = bytes.readVolatileLong(GENERATION_OFFSET);
        long top = bytes.readVolatileLong(ARENA_TOP_OFFSET);
        String damage = headerDamage();
        if (damage != null) {
            problems.add(damage);
        }
        if (top < 0 || top > arenaLength || (top & 7) != 0) {
            problems.add("arena top " + top + " out of range 0.." + arenaLength);
            return new SegmentVerification(0, 0, 0, top, problems);
        }
        SegmentVerification scan = scan(generation, top, false);
        problems.addAll(scan.problems());
        if (bytes.readVolatileLong(DIRTY_OFFSET) == 0) {
            if (scan.keys() != bytes.readInt(USED_KEYS_OFFSET)) {
                problems.add("used keys " + bytes.readInt(USED_KEYS_OFFSET) + " but " + scan.keys() + " slots claimed");
            }
            if (scan.scripts() != bytes.readInt(CACHED_SCRIPTS_OFFSET)) {
                problems.add("cached scripts " + bytes.readInt(CACHED_SCRIPTS_OFFSET) + " but " + scan.scripts() + " entries");
            }
            if (top - scan.liveBytes() != bytes.readLong(WASTED_BYTES_OFFSET)) {
                problems.add("wasted " + bytes.readLong(WASTED_BYTES_OFFSET) + " but top - live = " + (top - scan.liveBytes()));
            }
        }
        return new SegmentVerification(scan.keys(), scan.scripts(), scan.liveBytes(), top, problems);
    }

    @Override
    public String toString() {
        return "Segment[" + path + (readOnly() ? ", read-only" : "") + "]";
    }
}
