package dev.opcached.protocol.segment;

import java.util.zip.CRC32C;
import net.openhft.chronicle.bytes.BytesStore;

/**
 * Layout of one entry in the arena, one cached script, immutable once its slot points at it, and
 * its typed accessors and checksum. Entries are bump-allocated on 8-byte boundaries and never
 * freed within a generation.
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
 * <p>PAYLOAD is opaque to the segment; opcached stores a compile unit there (the script's class
 * files and every input they were compiled against), see
 * {@link dev.opcached.protocol.unit.CompileUnitCodec}.
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

    /** Bytes copied out of the mapping at a time while checksumming. */
    private static final int CHECKSUM_CHUNK = 4096;

    private EntryLayout() {
    }

    /** Whole length of an entry with this key and payload, padded to 8 bytes. */
    public static long entryLength(int keyLength, int payloadLength) {
        return align8((long) HEADER_LENGTH + keyLength + payloadLength);
    }

    static long align8(long value) {
        return (value + 7) & ~7L;
    }

    static int magic(BytesStore<?, ?> b, long entry) {
        return b.readInt(entry + MAGIC_OFFSET);
    }

    /** The store that completes an entry: written after every other byte of it. */
    static void putMagicRelease(BytesStore<?, ?> b, long entry, int magic) {
        b.writeOrderedInt(entry + MAGIC_OFFSET, magic);
    }

    static int checksum(BytesStore<?, ?> b, long entry) {
        return b.readInt(entry + CHECKSUM_OFFSET);
    }

    static long generation(BytesStore<?, ?> b, long entry) {
        return b.readLong(entry + GENERATION_OFFSET);
    }

    static long keyHash(BytesStore<?, ?> b, long entry) {
        return b.readLong(entry + KEY_HASH_OFFSET);
    }

    static int length(BytesStore<?, ?> b, long entry) {
        return b.readInt(entry + LENGTH_OFFSET);
    }

    static int keyLength(BytesStore<?, ?> b, long entry) {
        return b.readInt(entry + KEY_LENGTH_OFFSET);
    }

    static int payloadLength(BytesStore<?, ?> b, long entry) {
        return b.readInt(entry + PAYLOAD_LENGTH_OFFSET);
    }

    static long sourceMtime(BytesStore<?, ?> b, long entry) {
        return b.readLong(entry + SOURCE_MTIME_OFFSET);
    }

    static long sourceSize(BytesStore<?, ?> b, long entry) {
        return b.readLong(entry + SOURCE_SIZE_OFFSET);
    }

    static EntryMetadata metadata(BytesStore<?, ?> b, long entry) {
        return new EntryMetadata(
                b.readLong(entry + SOURCE_MTIME_OFFSET),
                b.readLong(entry + SOURCE_SIZE_OFFSET),
                b.readLong(entry + CONTENT_HASH_OFFSET),
                b.readLong(entry + COMPILED_AT_OFFSET),
                b.readLong(entry + COMPILE_MICROS_OFFSET));
    }

    /** Writes every field but MAGIC (left 0) and CHECKSUM, then the key and payload and zero padding. */
    static void putContents(BytesStore<?, ?> b, long entry, int length, SegmentKey key, long generation,
                            EntryMetadata metadata, byte[] payload) {
        byte[] utf8 = key.utf8();
        b.writeInt(entry + MAGIC_OFFSET, 0);
        b.writeLong(entry + GENERATION_OFFSET, generation);
        b.writeLong(entry + KEY_HASH_OFFSET, key.hash());
        b.writeLong(entry + SOURCE_MTIME_OFFSET, metadata.sourceMtimeMillis());
        b.writeLong(entry + SOURCE_SIZE_OFFSET, metadata.sourceSize());
        b.writeLong(entry + CONTENT_HASH_OFFSET, metadata.contentHash());
        b.writeLong(entry + COMPILED_AT_OFFSET, metadata.compiledAtMillis());
        b.writeLong(entry + COMPILE_MICROS_OFFSET, metadata.compileMicros());
        b.writeInt(entry + LENGTH_OFFSET, length);
        b.writeInt(entry + KEY_LENGTH_OFFSET, utf8.length);
        b.writeInt(entry + PAYLOAD_LENGTH_OFFSET, payload.length);
        b.writeInt(entry + PAYLOAD_LENGTH_OFFSET + Integer.BYTES, 0);
        long keyAt = entry + HEADER_LENGTH;
        b.write(keyAt, utf8, 0, utf8.length);
        b.write(keyAt + utf8.length, payload, 0, payload.length);
        b.zeroOut(keyAt + utf8.length + payload.length, entry + length);
    }

    /** Whether the key stored in the entry at {@code entry} is {@code key}; its length was checked by the caller. */
    static boolean keyEquals(BytesStore<?, ?> b, long entry, SegmentKey key) {
        long at = entry + HEADER_LENGTH;
        long[] words = key.words();
        int length = key.utf8().length;
        int full = length >> 3;
        for (int i = 0; i < full; i++) {
            if (b.readLong(at + 8L * i) != words[i]) {
                return false;
            }
        }
        int tail = length & 7;
        if (tail == 0) {
            return true;
        }
        // The entry is padded to 8 bytes after its payload, so this word is inside the entry.
        long mask = (1L << (tail * 8)) - 1;
        return (b.readLong(at + 8L * full) & mask) == words[full];
    }

    static void putChecksum(BytesStore<?, ?> b, long entry, int checksum) {
        b.writeInt(entry + CHECKSUM_OFFSET, checksum);
    }

    /**
     * The entry's CRC32C: over the mapping from {@link #CHECKED_FROM} up to {@code mappedEnd}, then
     * over {@code copiedTail} (the rest of the checked bytes, already copied out, so that what is
     * checked is what the caller got). The mapping is read through copies, never through a
     * ByteBuffer view: a copy out of a truncated file faults in a way the JVM turns into an error
     * ({@link SegmentLostException}), a checksum intrinsic reading the mapping would not.
     */
    static int computeChecksum(BytesStore<?, ?> b, long entry, long mappedEnd, byte[] copiedTail) {
        CRC32C crc = new CRC32C();
        byte[] chunk = new byte[(int) Math.min(CHECKSUM_CHUNK, Math.max(0, mappedEnd - entry - CHECKED_FROM))];
        for (long at = entry + CHECKED_FROM; at < mappedEnd; ) {
            int n = (int) Math.min(chunk.length, mappedEnd - at);
            b.read(at, chunk, 0, n);
            crc.update(chunk, 0, n);
            at += n;
        }
        crc.update(copiedTail);
        return (int) crc.getValue();
    }
}
