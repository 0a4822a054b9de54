package dev.opcached.protocol.segment;

import net.openhft.chronicle.bytes.BytesStore;

/**
 * Layout of the segment header, the first {@link #LENGTH} bytes of the segment file, and the
 * typed accessors every algorithm uses to read and write it. An accessor's name says its memory
 * order: {@code xVolatile} is a volatile (acquire) load, {@code putXRelease} a release store,
 * {@code putXVolatile} a volatile store, {@code casX} a compare-and-swap, {@code addX} an atomic
 * add; a bare {@code x}/{@code putX} is a plain access, used under the write lock.
 *
 * <p>All fields are little-endian. Fields are grouped by who writes them so that the line every
 * lookup reads (identity and generation) is never dirtied by stores or statistics.
 *
 * <pre>
 *   0                   8         12        16                  24        28
 *  +-------------------+---------+---------+-------------------+---------+---------+
 *  | MAGIC "OPCACHED"  | VERSION | HDR_LEN | SEGMENT_LENGTH    | SLOTS   |MAX_KEYS |
 *  +-------------------+---------+---------+-------------------+---------+---------+
 *   32                  40                  48                  56
 *  +-------------------+-------------------+-------------------+-------------------+
 *  | INDEX_OFFSET      | ARENA_OFFSET      | ARENA_LENGTH      | CREATOR_PID       |
 *  +-------------------+-------------------+-------------------+-------------------+
 *   64                  72                  80                  88
 *  +-------------------+-------------------+-------------------+-------------------+
 *  | CREATOR_START_TCK | START_TIME_MS     | MAX_WASTED_PCT    | GENERATION        |
 *  +-------------------+-------------------+-------------------+-------------------+
 *   96                  104
 *  +-------------------+-------------------+
 *  | STAT_GENERATION   | SEGMENT_ID        |
 *  +-------------------+-------------------+
 *  bytes 0..127 (identity, read by every lookup): written once at create, except GENERATION,
 *  bumped by a restart, and STAT_GENERATION, bumped by stat/clear
 *  128: allocation line (written by writers under the lock)
 *  | ARENA_TOP | WASTED_BYTES | USED_KEYS | CACHED_SCRIPTS | CACHE_FULL | (reserved) |
 *  | LAST_RESTART_MS | LAST_RESTART_REASON |
 *  192: lock line
 *  | LOCK_WORD (fcntl-locked range; holder pid) | LOCK_SINCE_MS | DIRTY |
 *  256: liveness line
 *  | HEARTBEAT_MS |
 *  320: counters line (written by writers under the lock)
 *  | STORES | OOM_RESTARTS | HASH_RESTARTS | MANUAL_RESTARTS | CORRUPTION_RESTARTS | RECOVERIES | COMPILES |
 *  | LOST_RESTARTS |
 *  384: file cache line (the compiling processes' figures of opcache.file_cache, no lock)
 *  | FC_HITS | FC_MISSES | FC_STORES | FC_REJECTIONS | FC_BYTES | FC_ENTRIES |
 *  512: restart log (written by writers under the lock; read lock-free)
 *  | RESTART_LOG_COUNT | 32 records x 24 bytes: | MILLIS (i64) | GENERATION (i64) | REASON (i32) | (i32) |
 *  ... reserved (zero) up to 4096 (the statistics stripes of layout version 4 are in the
 *  activity file now, {@link ActivityLayout})
 * </pre>
 *
 * <p>MAGIC and then VERSION are written last, VERSION with a release store, so that a process that
 * sees a non-zero version sees every other identity field. Only writers (the supervisor, the
 * compiler) write this file; workers map it read-only. The segment is refused on a big-endian
 * platform. See {@code docs/segment-format.md}.
 */
public final class HeaderLayout {
    /** Bytes taken by the header; the index starts here. */
    public static final int LENGTH = 4096;

    /** "OPCACHED" in ASCII, read as a little-endian long. */
    public static final long MAGIC_VALUE = 0x444548434143504FL;
    /** The layout version this code reads and writes. */
    public static final int VERSION_VALUE = 6;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = MAGIC_OFFSET + Long.BYTES;
    public static final int HEADER_LENGTH_OFFSET = VERSION_OFFSET + Integer.BYTES;
    public static final int SEGMENT_LENGTH_OFFSET = HEADER_LENGTH_OFFSET + Integer.BYTES;
    public static final int SLOT_COUNT_OFFSET = SEGMENT_LENGTH_OFFSET + Long.BYTES;
    public static final int MAX_KEYS_OFFSET = SLOT_COUNT_OFFSET + Integer.BYTES;
    public static final int INDEX_OFFSET_OFFSET = MAX_KEYS_OFFSET + Integer.BYTES;
    public static final int ARENA_OFFSET_OFFSET = INDEX_OFFSET_OFFSET + Long.BYTES;
    public static final int ARENA_LENGTH_OFFSET = ARENA_OFFSET_OFFSET + Long.BYTES;
    public static final int CREATOR_PID_OFFSET = ARENA_LENGTH_OFFSET + Long.BYTES;
    /** The creator's start time in clock ticks since boot (/proc/PID/stat field 22); a wall-clock step cannot change it. */
    public static final int CREATOR_START_TICKS_OFFSET = CREATOR_PID_OFFSET + Long.BYTES;
    public static final int START_TIME_MILLIS_OFFSET = CREATOR_START_TICKS_OFFSET + Long.BYTES;
    public static final int MAX_WASTED_PERCENTAGE_OFFSET = START_TIME_MILLIS_OFFSET + Long.BYTES;
    public static final int GENERATION_OFFSET = MAX_WASTED_PERCENTAGE_OFFSET + Long.BYTES;
    /** Bumped by stat/clear (clearstatcache for the pool): a worker that sees it change drops its realpath cache. */
    public static final int STAT_GENERATION_OFFSET = GENERATION_OFFSET + Long.BYTES;
    /** A random id, also in the activity file's header: what pairs the two files. */
    public static final int SEGMENT_ID_OFFSET = STAT_GENERATION_OFFSET + Long.BYTES;

    public static final int ALLOCATION_LINE = 128;
    public static final int ARENA_TOP_OFFSET = ALLOCATION_LINE;
    public static final int WASTED_BYTES_OFFSET = ARENA_TOP_OFFSET + Long.BYTES;
    public static final int USED_KEYS_OFFSET = WASTED_BYTES_OFFSET + Long.BYTES;
    public static final int CACHED_SCRIPTS_OFFSET = USED_KEYS_OFFSET + Integer.BYTES;
    public static final int CACHE_FULL_OFFSET = CACHED_SCRIPTS_OFFSET + Integer.BYTES;
    /** 156..159 reserved (layout version 4 kept readers' restart requests here). */
    public static final int LAST_RESTART_MILLIS_OFFSET = 160;
    public static final int LAST_RESTART_REASON_OFFSET = LAST_RESTART_MILLIS_OFFSET + Long.BYTES;

    public static final int LOCK_LINE = 192;
    /** The byte range [LOCK_WORD_OFFSET, +8) is what writers lock with fcntl; it holds the holder's pid. */
    public static final int LOCK_WORD_OFFSET = LOCK_LINE;
    public static final int LOCK_SINCE_MILLIS_OFFSET = LOCK_WORD_OFFSET + Long.BYTES;
    /** Non-zero while a writer is changing more than one word; a writer that finds it set recovers. */
    public static final int DIRTY_OFFSET = LOCK_SINCE_MILLIS_OFFSET + Long.BYTES;

    public static final int HEARTBEAT_MILLIS_OFFSET = 256;

    public static final int COUNTERS_LINE = 320;
    public static final int STORES_OFFSET = COUNTERS_LINE;
    public static final int OOM_RESTARTS_OFFSET = STORES_OFFSET + Long.BYTES;
    public static final int HASH_RESTARTS_OFFSET = OOM_RESTARTS_OFFSET + Long.BYTES;
    public static final int MANUAL_RESTARTS_OFFSET = HASH_RESTARTS_OFFSET + Long.BYTES;
    public static final int CORRUPTION_RESTARTS_OFFSET = MANUAL_RESTARTS_OFFSET + Long.BYTES;
    /** Writes found interrupted (DIRTY set by a writer that died) and recovered by recount. */
    public static final int RECOVERIES_OFFSET = CORRUPTION_RESTARTS_OFFSET + Long.BYTES;
    /** Compilations by any process of the pool, stored or not (added to atomically, without the lock). */
    public static final int COMPILES_OFFSET = RECOVERIES_OFFSET + Long.BYTES;
    /** Segments of this pool lost (file truncated or deleted) and replaced by this one, carried over at create. */
    public static final int LOST_RESTARTS_OFFSET = COMPILES_OFFSET + Long.BYTES;

    /**
     * The file cache's figures: hits, misses, stores and rejections added to atomically by whoever
     * reads or writes the file cache; bytes and entries its size as the last one to change it saw
     * (release stores).
     */
    public static final int FILE_CACHE_LINE = 384;
    public static final int FILE_CACHE_HITS_OFFSET = FILE_CACHE_LINE;
    public static final int FILE_CACHE_MISSES_OFFSET = FILE_CACHE_HITS_OFFSET + Long.BYTES;
    public static final int FILE_CACHE_STORES_OFFSET = FILE_CACHE_MISSES_OFFSET + Long.BYTES;
    public static final int FILE_CACHE_REJECTIONS_OFFSET = FILE_CACHE_STORES_OFFSET + Long.BYTES;
    public static final int FILE_CACHE_BYTES_OFFSET = FILE_CACHE_REJECTIONS_OFFSET + Long.BYTES;
    public static final int FILE_CACHE_ENTRIES_OFFSET = FILE_CACHE_BYTES_OFFSET + Long.BYTES;

    /**
     * The restart log: the last {@link #RESTART_LOG_RECORDS} restarts of this segment, a ring.
     * {@code RESTART_LOG_COUNT} is how many were ever logged (release store after the record it
     * adds); restart {@code n} (from 0) is record {@code n % RESTART_LOG_RECORDS}.
     */
    public static final int RESTART_LOG_LINE = 512;
    public static final int RESTART_LOG_COUNT_OFFSET = RESTART_LOG_LINE;
    public static final int RESTART_LOG_RECORDS_OFFSET = RESTART_LOG_COUNT_OFFSET + Long.BYTES;
    public static final int RESTART_LOG_RECORDS = 32;
    public static final int RESTART_RECORD_LENGTH = 24;
    public static final int RESTART_RECORD_MILLIS = 0;
    public static final int RESTART_RECORD_GENERATION = RESTART_RECORD_MILLIS + Long.BYTES;
    public static final int RESTART_RECORD_REASON = RESTART_RECORD_GENERATION + Long.BYTES;

    private HeaderLayout() {
    }


    /** Offset of the restart counter for a reason. */
    static int restartCounterOffset(RestartReason reason) {
        return switch (reason) {
            case OOM -> OOM_RESTARTS_OFFSET;
            case HASH -> HASH_RESTARTS_OFFSET;
            case MANUAL -> MANUAL_RESTARTS_OFFSET;
            case CORRUPTION -> CORRUPTION_RESTARTS_OFFSET;
            case LOST -> LOST_RESTARTS_OFFSET;
            case NONE -> throw new IllegalArgumentException("no counter for " + reason);
        };
    }

    // ---------------------------------------------------------------------------------------------
    // identity: acquire loads by every lookup; written at create and by repair

    static boolean identityIntact(BytesStore<?, ?> b) {
        return b.readLong(MAGIC_OFFSET) == MAGIC_VALUE && b.readInt(VERSION_OFFSET) == VERSION_VALUE;
    }

    static long magic(BytesStore<?, ?> b) {
        return b.readLong(MAGIC_OFFSET);
    }

    static int versionVolatile(BytesStore<?, ?> b) {
        return b.readVolatileInt(VERSION_OFFSET);
    }

    /** The store that publishes a whole header: everything written before it is seen with it. */
    static void putVersionRelease(BytesStore<?, ?> b, int version) {
        b.writeOrderedInt(VERSION_OFFSET, version);
    }

    static long generation(BytesStore<?, ?> b) {
        return b.readLong(GENERATION_OFFSET);
    }

    static long generationVolatile(BytesStore<?, ?> b) {
        return b.readVolatileLong(GENERATION_OFFSET);
    }

    static void putGenerationVolatile(BytesStore<?, ?> b, long generation) {
        b.writeVolatileLong(GENERATION_OFFSET, generation);
    }

    static long statGenerationVolatile(BytesStore<?, ?> b) {
        return b.readVolatileLong(STAT_GENERATION_OFFSET);
    }

    static long addStatGeneration(BytesStore<?, ?> b, long delta) {
        return b.addAndGetLong(STAT_GENERATION_OFFSET, delta);
    }

    static long creatorPidVolatile(BytesStore<?, ?> b) {
        return b.readVolatileLong(CREATOR_PID_OFFSET);
    }

    static long creatorStartTicks(BytesStore<?, ?> b) {
        return b.readLong(CREATOR_START_TICKS_OFFSET);
    }

    // ---------------------------------------------------------------------------------------------
    // allocation line: plain under the lock, volatile loads for statistics

    static long arenaTop(BytesStore<?, ?> b) {
        return b.readLong(ARENA_TOP_OFFSET);
    }

    static void putArenaTop(BytesStore<?, ?> b, long top) {
        b.writeLong(ARENA_TOP_OFFSET, top);
    }

    static long wastedBytes(BytesStore<?, ?> b) {
        return b.readLong(WASTED_BYTES_OFFSET);
    }

    static void putWastedBytes(BytesStore<?, ?> b, long wasted) {
        b.writeLong(WASTED_BYTES_OFFSET, wasted);
    }

    static int usedKeys(BytesStore<?, ?> b) {
        return b.readInt(USED_KEYS_OFFSET);
    }

    static void putUsedKeys(BytesStore<?, ?> b, int keys) {
        b.writeInt(USED_KEYS_OFFSET, keys);
    }

    static int cachedScripts(BytesStore<?, ?> b) {
        return b.readInt(CACHED_SCRIPTS_OFFSET);
    }

    static void putCachedScripts(BytesStore<?, ?> b, int scripts) {
        b.writeInt(CACHED_SCRIPTS_OFFSET, scripts);
    }

    static void putCacheFull(BytesStore<?, ?> b, boolean full) {
        b.writeInt(CACHE_FULL_OFFSET, full ? 1 : 0);
    }

    static void putLastRestart(BytesStore<?, ?> b, long millis, RestartReason reason) {
        b.writeLong(LAST_RESTART_MILLIS_OFFSET, millis);
        b.writeInt(LAST_RESTART_REASON_OFFSET, reason.code());
    }

    /** Under the lock: adds a restart to the log (the record first, then the count, released). */
    static void appendRestartLog(BytesStore<?, ?> b, long millis, long generation, RestartReason reason) {
        long count = Math.max(0, b.readLong(RESTART_LOG_COUNT_OFFSET));
        long record = restartRecordOffset(count);
        b.writeLong(record + RESTART_RECORD_MILLIS, millis);
        b.writeLong(record + RESTART_RECORD_GENERATION, generation);
        b.writeInt(record + RESTART_RECORD_REASON, reason.code());
        b.writeOrderedLong(RESTART_LOG_COUNT_OFFSET, count + 1);
    }

    static long restartLogCountVolatile(BytesStore<?, ?> b) {
        return b.readVolatileLong(RESTART_LOG_COUNT_OFFSET);
    }

    /** Where restart {@code n} (from 0) is recorded. */
    static long restartRecordOffset(long n) {
        return RESTART_LOG_RECORDS_OFFSET + (n % RESTART_LOG_RECORDS) * RESTART_RECORD_LENGTH;
    }

    // ---------------------------------------------------------------------------------------------
    // lock line and liveness

    static long dirty(BytesStore<?, ?> b) {
        return b.readLong(DIRTY_OFFSET);
    }

    static void putDirtyVolatile(BytesStore<?, ?> b) {
        b.writeVolatileLong(DIRTY_OFFSET, 1);
    }

    static void putCleanRelease(BytesStore<?, ?> b) {
        b.writeOrderedLong(DIRTY_OFFSET, 0);
    }

    static long lockWordVolatile(BytesStore<?, ?> b) {
        return b.readVolatileLong(LOCK_WORD_OFFSET);
    }

    static long lockSinceVolatile(BytesStore<?, ?> b) {
        return b.readVolatileLong(LOCK_SINCE_MILLIS_OFFSET);
    }

    static void putLockHolder(BytesStore<?, ?> b, long pid, long sinceMillis) {
        b.writeLong(LOCK_WORD_OFFSET, pid);
        b.writeLong(LOCK_SINCE_MILLIS_OFFSET, sinceMillis);
    }

    /** Before the fcntl lock is released: no holder. */
    static void putLockFree(BytesStore<?, ?> b) {
        b.writeLong(LOCK_WORD_OFFSET, 0);
    }

    static void putHeartbeatRelease(BytesStore<?, ?> b, long millis) {
        b.writeOrderedLong(HEARTBEAT_MILLIS_OFFSET, millis);
    }

    // ---------------------------------------------------------------------------------------------
    // counters: plain under the lock; COMPILES and the file cache figures by atomic add without it

    /** Adds one to a counter of the counters line, under the lock. */
    static void increment(BytesStore<?, ?> b, int counterOffset) {
        b.writeLong(counterOffset, b.readLong(counterOffset) + 1);
    }

    static void addCompiles(BytesStore<?, ?> b) {
        b.addAndGetLong(COMPILES_OFFSET, 1);
    }

    /** Adds a change of the file cache's figures: counters atomically, the size as a release store. */
    static void addFileCacheFigures(BytesStore<?, ?> b, FileCacheFigures change) {
        if (change.hits() != 0) {
            b.addAndGetLong(FILE_CACHE_HITS_OFFSET, change.hits());
        }
        if (change.misses() != 0) {
            b.addAndGetLong(FILE_CACHE_MISSES_OFFSET, change.misses());
        }
        if (change.stores() != 0) {
            b.addAndGetLong(FILE_CACHE_STORES_OFFSET, change.stores());
        }
        if (change.rejections() != 0) {
            b.addAndGetLong(FILE_CACHE_REJECTIONS_OFFSET, change.rejections());
        }
        b.writeOrderedLong(FILE_CACHE_BYTES_OFFSET, change.bytes());
        b.writeOrderedLong(FILE_CACHE_ENTRIES_OFFSET, change.entries());
    }
}
