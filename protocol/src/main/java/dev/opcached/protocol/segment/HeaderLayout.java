package dev.opcached.protocol.segment;

/**
 * Layout of the segment header: the first {@link #LENGTH} bytes of the segment file.
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
 *  | CREATOR_START_MS  | START_TIME_MS     | MAX_WASTED_PCT    | GENERATION        |
 *  +-------------------+-------------------+-------------------+-------------------+
 *   96
 *  +-------------------+
 *  | STAT_GENERATION   |
 *  +-------------------+
 *  bytes 0..127 (identity, read by every lookup): written once at create, except GENERATION,
 *  bumped by a restart, and STAT_GENERATION, bumped by stat/clear
 *  128: allocation line (written by writers under the lock)
 *  | ARENA_TOP | WASTED_BYTES | USED_KEYS | CACHED_SCRIPTS | CACHE_FULL | RESTART_PENDING |
 *  | LAST_RESTART_MS | LAST_RESTART_REASON |
 *  192: lock line
 *  | LOCK_WORD (fcntl-locked range; holder pid) | LOCK_SINCE_MS | DIRTY |
 *  256: liveness line
 *  | HEARTBEAT_MS |
 *  320: counters line (written by writers under the lock)
 *  | STORES | OOM_RESTARTS | HASH_RESTARTS | MANUAL_RESTARTS | CORRUPTION_RESTARTS | RECOVERIES | COMPILES |
 *  1024: statistics stripes, STRIPE_COUNT x 64 bytes, one picked by pid and thread
 *  | HITS | MISSES | BLACKLIST_MISSES | (5 spare longs) |
 *  ... reserved (zero) up to 4096
 * </pre>
 *
 * <p>MAGIC and then VERSION are written last, VERSION with a release store, so that a process that
 * sees a non-zero version sees every other identity field. All offsets are little-endian; the
 * segment is refused on a big-endian platform. See {@code docs/segment-format.md}.
 */
public final class HeaderLayout {
    /** Bytes taken by the header; the index starts here. */
    public static final int LENGTH = 4096;

    /** "OPCACHED" in ASCII, read as a little-endian long. */
    public static final long MAGIC_VALUE = 0x444548434143504FL;
    /** The layout version this code reads and writes. */
    public static final int VERSION_VALUE = 1;

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
    public static final int CREATOR_START_MILLIS_OFFSET = CREATOR_PID_OFFSET + Long.BYTES;
    public static final int START_TIME_MILLIS_OFFSET = CREATOR_START_MILLIS_OFFSET + Long.BYTES;
    public static final int MAX_WASTED_PERCENTAGE_OFFSET = START_TIME_MILLIS_OFFSET + Long.BYTES;
    public static final int GENERATION_OFFSET = MAX_WASTED_PERCENTAGE_OFFSET + Long.BYTES;
    /** Bumped by stat/clear (clearstatcache for the pool): a worker that sees it change drops its realpath cache. */
    public static final int STAT_GENERATION_OFFSET = GENERATION_OFFSET + Long.BYTES;

    public static final int ALLOCATION_LINE = 128;
    public static final int ARENA_TOP_OFFSET = ALLOCATION_LINE;
    public static final int WASTED_BYTES_OFFSET = ARENA_TOP_OFFSET + Long.BYTES;
    public static final int USED_KEYS_OFFSET = WASTED_BYTES_OFFSET + Long.BYTES;
    public static final int CACHED_SCRIPTS_OFFSET = USED_KEYS_OFFSET + Integer.BYTES;
    public static final int CACHE_FULL_OFFSET = CACHED_SCRIPTS_OFFSET + Integer.BYTES;
    public static final int RESTART_PENDING_OFFSET = CACHE_FULL_OFFSET + Integer.BYTES;
    public static final int LAST_RESTART_MILLIS_OFFSET = RESTART_PENDING_OFFSET + Integer.BYTES;
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

    public static final int STRIPES_OFFSET = 1024;
    public static final int STRIPE_COUNT = 16;
    public static final int STRIPE_LENGTH = 64;
    public static final int STRIPE_HITS = 0;
    public static final int STRIPE_MISSES = STRIPE_HITS + Long.BYTES;
    public static final int STRIPE_BLACKLIST_MISSES = STRIPE_MISSES + Long.BYTES;

    private HeaderLayout() {
    }

    /** Offset of the statistics stripe for a writer identity (a mix of pid and thread). */
    public static int stripeOffset(long writer) {
        return STRIPES_OFFSET + (int) Math.floorMod(writer, (long) STRIPE_COUNT) * STRIPE_LENGTH;
    }

    /** Offset of the restart counter for a reason. */
    static int restartCounterOffset(RestartReason reason) {
        return switch (reason) {
            case OOM -> OOM_RESTARTS_OFFSET;
            case HASH -> HASH_RESTARTS_OFFSET;
            case MANUAL -> MANUAL_RESTARTS_OFFSET;
            case CORRUPTION -> CORRUPTION_RESTARTS_OFFSET;
            case NONE -> throw new IllegalArgumentException("no counter for " + reason);
        };
    }
}
