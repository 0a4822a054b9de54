package dev.opcached.protocol.segment;

import net.openhft.chronicle.bytes.BytesStore;

/**
 * Layout of the activity file, the segment's second file, and the typed accessors of its header
 * (memory order in the name, as in {@link HeaderLayout}): everything a worker writes. Workers map
 * the segment file itself read-only; what a lookup counts, the pool-wide revalidation claims and a
 * reader's request for a restart go here instead, so that nothing a worker (or a script running in
 * it) can write is code or an offset that any process trusts.
 *
 * <pre>
 *   0                   8         12        16                  24        28        32
 *  +-------------------+---------+---------+-------------------+---------+---------+
 *  | MAGIC "OPCACTIV"  | VERSION | HDR_LEN | FILE_LENGTH       | SLOTS   | (zero)  |
 *  +-------------------+---------+---------+-------------------+---------+---------+
 *   32                  40
 *  +-------------------+
 *  | SEGMENT_ID        |   40 .. 127 reserved
 *  +-------------------+
 *  128: request line
 *  | RESTART_PENDING (i32) |   132 .. 191 reserved
 *  1024: statistics stripes, STRIPE_COUNT x 64 bytes, one picked by pid and thread
 *  | HITS | MISSES | BLACKLIST_MISSES | (5 spare longs) |
 *  ... reserved (zero) up to 4096
 *  4096: usage records, one per index slot ({@link UsageLayout}); record i at 4096 + 32 i
 * </pre>
 *
 * <p>The header's first 40 bytes are written once, by the segment's creator, before the segment
 * file's own header; {@code SEGMENT_ID} equals the segment header's, which is how an attach knows
 * that this activity file belongs to that segment. See {@code docs/segment-format.md} §5a.
 */
public final class ActivityLayout {
    /** Bytes before the usage records. */
    public static final int LENGTH = 4096;

    /** "OPCACTIV" in ASCII, read as a little-endian long. */
    public static final long MAGIC_VALUE = 0x564954434143504FL;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = MAGIC_OFFSET + Long.BYTES;
    public static final int HEADER_LENGTH_OFFSET = VERSION_OFFSET + Integer.BYTES;
    public static final int FILE_LENGTH_OFFSET = HEADER_LENGTH_OFFSET + Integer.BYTES;
    public static final int SLOT_COUNT_OFFSET = FILE_LENGTH_OFFSET + Long.BYTES;
    public static final int SEGMENT_ID_OFFSET = 32;

    public static final int REQUEST_LINE = 128;
    public static final int RESTART_PENDING_OFFSET = REQUEST_LINE;

    public static final int STRIPES_OFFSET = 1024;
    public static final int STRIPE_COUNT = 16;
    public static final int STRIPE_LENGTH = 64;
    public static final int STRIPE_HITS = 0;
    public static final int STRIPE_MISSES = STRIPE_HITS + Long.BYTES;
    public static final int STRIPE_BLACKLIST_MISSES = STRIPE_MISSES + Long.BYTES;

    private ActivityLayout() {
    }

    /** The whole activity file of a segment with {@code slotCount} slots. */
    public static long fileLength(int slotCount) {
        return LENGTH + (long) slotCount * UsageLayout.LENGTH;
    }

    /** Offset of the statistics stripe for a writer identity (a mix of pid and thread). */
    public static int stripeOffset(long writer) {
        return STRIPES_OFFSET + (int) Math.floorMod(writer, (long) STRIPE_COUNT) * STRIPE_LENGTH;
    }

    static void writeIdentity(BytesStore<?, ?> b, int slotCount, long segmentId) {
        b.writeInt(VERSION_OFFSET, HeaderLayout.VERSION_VALUE);
        b.writeInt(HEADER_LENGTH_OFFSET, LENGTH);
        b.writeLong(FILE_LENGTH_OFFSET, fileLength(slotCount));
        b.writeInt(SLOT_COUNT_OFFSET, slotCount);
        b.writeLong(SEGMENT_ID_OFFSET, segmentId);
        // Last, with release semantics: a process that sees the magic sees the identity.
        b.writeOrderedLong(MAGIC_OFFSET, MAGIC_VALUE);
    }

    /**
     * What is wrong with an activity file of {@code fileLength} bytes for a segment of
     * {@code slotCount} slots and id {@code segmentId}, or null.
     */
    static String problem(BytesStore<?, ?> b, long fileLength, int slotCount, long segmentId) {
        long magic = b.readVolatileLong(MAGIC_OFFSET);
        if (magic != MAGIC_VALUE) {
            return "magic is 0x" + Long.toHexString(magic) + ", not 0x" + Long.toHexString(MAGIC_VALUE)
                    + " (\"OPCACTIV\"): not an opcached activity file";
        }
        if (b.readInt(VERSION_OFFSET) != HeaderLayout.VERSION_VALUE) {
            return "layout version " + b.readInt(VERSION_OFFSET) + ", this build reads version " + HeaderLayout.VERSION_VALUE;
        }
        if (b.readInt(HEADER_LENGTH_OFFSET) != LENGTH || b.readLong(FILE_LENGTH_OFFSET) != fileLength
                || fileLength != fileLength(slotCount) || b.readInt(SLOT_COUNT_OFFSET) != slotCount) {
            return "header states " + b.readInt(SLOT_COUNT_OFFSET) + " slots in " + b.readLong(FILE_LENGTH_OFFSET)
                    + " bytes; the file has " + fileLength + " bytes and the segment " + slotCount + " slots";
        }
        if (b.readLong(SEGMENT_ID_OFFSET) != segmentId) {
            return "it belongs to segment id " + Long.toHexString(b.readLong(SEGMENT_ID_OFFSET))
                    + ", not to this segment (" + Long.toHexString(segmentId) + ")";
        }
        return null;
    }

    static int restartPendingVolatile(BytesStore<?, ?> b) {
        return b.readVolatileInt(RESTART_PENDING_OFFSET);
    }

    /** A reader's request for a restart: only the first request of a generation wins. */
    static boolean casRestartPending(BytesStore<?, ?> b, int expected, int reason) {
        return b.compareAndSwapInt(RESTART_PENDING_OFFSET, expected, reason);
    }

    static void putRestartPendingVolatile(BytesStore<?, ?> b, int reason) {
        b.writeVolatileInt(RESTART_PENDING_OFFSET, reason);
    }

    static void addToStripe(BytesStore<?, ?> b, int stripeAt, int field) {
        b.addAndGetLong(stripeAt + field, 1);
    }

    /** The sum over every stripe of one of its fields (volatile loads). */
    static long stripeSumVolatile(BytesStore<?, ?> b, int field) {
        long sum = 0;
        for (int i = 0; i < STRIPE_COUNT; i++) {
            sum += b.readVolatileLong(STRIPES_OFFSET + i * STRIPE_LENGTH + field);
        }
        return sum;
    }
}
