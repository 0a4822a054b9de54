package dev.opcached.protocol.segment;

/**
 * Layout of one entry in the arena: one cached script, immutable once its slot points at it.
 * Entries are bump-allocated on 8-byte boundaries and never freed within a generation.
 *
 * <pre>
 *   0         4         8                   16                  24
 *  +---------+---------+-------------------+-------------------+-------------------+
 *  | MAGIC   | CHECKSUM| GENERATION        | KEY_HASH          | SOURCE_MTIME_MS   |
 *  +---------+---------+-------------------+-------------------+-------------------+
 *   32                  40                  48                  56
 *  +-------------------+-------------------+-------------------+-------------------+
 *  | SOURCE_SIZE       | CONTENT_HASH      | COMPILED_AT_MS    | COMPILE_MICROS    |
 *  +-------------------+-------------------+-------------------+-------------------+
 *   64        68        72        76        80
 *  +---------+---------+---------+---------+--------------------+-----------------+---------+
 *  | LENGTH  | KEY_LEN | PAYL_LEN| (zero)  | KEY (UTF-8)        | PAYLOAD         | padding |
 *  +---------+---------+---------+---------+--------------------+-----------------+---------+
 * </pre>
 *
 * <p>LENGTH is the whole entry including padding, a multiple of 8. CHECKSUM is CRC32C over
 * [{@link #CHECKED_FROM}, {@link #HEADER_LENGTH} + KEY_LEN + PAYL_LEN). MAGIC is written last
 * (release) by the writer; the slot REF that publishes the entry is written after it.
 *
 * <p>PAYLOAD holds the script's class files: {@code int count}, then per class
 * {@code int nameLength, name (UTF-8), int codeLength, code}. See {@link ClassFilePayload}.
 */
public final class EntryLayout {
    /** "OPCE" as a little-endian int. */
    public static final int MAGIC_VALUE = 0x4543504F;

    public static final int MAGIC_OFFSET = 0;
    public static final int CHECKSUM_OFFSET = MAGIC_OFFSET + Integer.BYTES;
    public static final int GENERATION_OFFSET = CHECKSUM_OFFSET + Integer.BYTES;
    public static final int KEY_HASH_OFFSET = GENERATION_OFFSET + Long.BYTES;
    public static final int SOURCE_MTIME_OFFSET = KEY_HASH_OFFSET + Long.BYTES;
    public static final int SOURCE_SIZE_OFFSET = SOURCE_MTIME_OFFSET + Long.BYTES;
    public static final int CONTENT_HASH_OFFSET = SOURCE_SIZE_OFFSET + Long.BYTES;
    public static final int COMPILED_AT_OFFSET = CONTENT_HASH_OFFSET + Long.BYTES;
    public static final int COMPILE_MICROS_OFFSET = COMPILED_AT_OFFSET + Long.BYTES;
    public static final int LENGTH_OFFSET = COMPILE_MICROS_OFFSET + Long.BYTES;
    public static final int KEY_LENGTH_OFFSET = LENGTH_OFFSET + Integer.BYTES;
    public static final int PAYLOAD_LENGTH_OFFSET = KEY_LENGTH_OFFSET + Integer.BYTES;
    /** Fixed part of an entry; the key follows. */
    public static final int HEADER_LENGTH = PAYLOAD_LENGTH_OFFSET + Integer.BYTES + Integer.BYTES;
    /** First byte covered by the checksum. */
    public static final int CHECKED_FROM = GENERATION_OFFSET;

    private EntryLayout() {
    }

    /** Whole length of an entry with this key and payload, padded to 8 bytes. */
    public static long entryLength(int keyLength, int payloadLength) {
        return align8((long) HEADER_LENGTH + keyLength + payloadLength);
    }

    static long align8(long value) {
        return (value + 7) & ~7L;
    }
}
