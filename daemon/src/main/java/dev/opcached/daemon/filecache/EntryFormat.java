package dev.opcached.daemon.filecache;

import dev.opcached.protocol.unit.Sha256;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;

/**
 * The byte form of one file-cache entry (docs/file-cache-format.md): a fixed header, the body, and
 * an HMAC-SHA256 seal over both. Opening checks the seal before it reads a single field.
 *
 * <pre>
 *  0                   4                   8                  12                  16
 *  +-------------------+-------------------+-------------------+-------------------+
 *  | MAGIC "OPFC"      | FORMAT_VERSION    | NAMESPACE         | BODY_LENGTH       |
 *  +-------------------+-------------------+-------------------+-------------------+
 *  | KEY (32 bytes: the SHA-256 the entry is filed under)                          | 16..47
 *  +-------------------------------------------------------------------------------+
 *  | BODY (BODY_LENGTH bytes, opaque)                                              | 48..
 *  +-------------------------------------------------------------------------------+
 *  | SEAL (32 bytes: HMAC-SHA256 under the seal key of bytes 0 .. 48+BODY_LENGTH)   |
 *  +-------------------------------------------------------------------------------+
 * </pre>
 *
 * Integers are little-endian {@code i32}, as in the segment.
 */
public final class EntryFormat {
    /** "OPFC" in ASCII. */
    public static final int MAGIC = 0x4346504f;
    /** Incremented on any change of this layout; a reader rejects every other version. */
    public static final int FORMAT_VERSION = 1;
    public static final int MAGIC_OFFSET = 0;
    public static final int FORMAT_VERSION_OFFSET = MAGIC_OFFSET + Integer.BYTES;
    public static final int NAMESPACE_OFFSET = FORMAT_VERSION_OFFSET + Integer.BYTES;
    public static final int BODY_LENGTH_OFFSET = NAMESPACE_OFFSET + Integer.BYTES;
    public static final int KEY_OFFSET = BODY_LENGTH_OFFSET + Integer.BYTES;
    public static final int HEADER_LENGTH = KEY_OFFSET + Sha256.LENGTH;
    public static final int BODY_OFFSET = HEADER_LENGTH;
    public static final int SEAL_LENGTH = 32;
    /** Header and seal: the length of an entry with an empty body, the shortest file that can be one. */
    public static final int OVERHEAD = HEADER_LENGTH + SEAL_LENGTH;

    private EntryFormat() {
    }

    /** The sealed file content of {@code body} filed under {@code key} in {@code namespace}. */
    public static byte[] seal(SealKey sealKey, Namespace namespace, Sha256 key, byte[] body) {
        if (body.length > Integer.MAX_VALUE - OVERHEAD) {
            throw new IllegalArgumentException("a file cache body is at most " + (Integer.MAX_VALUE - OVERHEAD)
                    + " bytes: length=" + body.length);
        }
        byte[] entry = new byte[OVERHEAD + body.length];
        ByteBuffer header = ByteBuffer.wrap(entry).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(MAGIC_OFFSET, MAGIC);
        header.putInt(FORMAT_VERSION_OFFSET, FORMAT_VERSION);
        header.putInt(NAMESPACE_OFFSET, namespace.code());
        header.putInt(BODY_LENGTH_OFFSET, body.length);
        System.arraycopy(key.bytes(), 0, entry, KEY_OFFSET, Sha256.LENGTH);
        System.arraycopy(body, 0, entry, BODY_OFFSET, body.length);
        Mac mac = sealKey.newMac();
        mac.update(entry, 0, HEADER_LENGTH + body.length);
        byte[] seal = mac.doFinal();
        System.arraycopy(seal, 0, entry, HEADER_LENGTH + body.length, SEAL_LENGTH);
        return entry;
    }

    /**
     * The body of {@code entry}, once its seal is good under {@code sealKey} and its header says
     * exactly {@code namespace}, {@code key} and a body length that fills the rest of the file.
     *
     * @throws RejectedEntryException saying what is wrong; nothing but the length is looked at
     *     before the seal has been checked
     */
    public static byte[] open(SealKey sealKey, Namespace namespace, Sha256 key, byte[] entry) throws RejectedEntryException {
        if (entry.length < OVERHEAD) {
            throw new RejectedEntryException("truncated: " + entry.length + " bytes, an entry has at least " + OVERHEAD);
        }
        int sealOffset = entry.length - SEAL_LENGTH;
        Mac mac = sealKey.newMac();
        mac.update(entry, 0, sealOffset);
        byte[] expected = mac.doFinal();
        // Constant time, so that a writer of the directory learns nothing from how fast a forgery fails.
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(entry, sealOffset, entry.length))) {
            throw new RejectedEntryException("bad seal: the file was modified or truncated, or sealed under another key");
        }
        ByteBuffer header = ByteBuffer.wrap(entry).order(ByteOrder.LITTLE_ENDIAN);
        if (header.getInt(MAGIC_OFFSET) != MAGIC) {
            throw new RejectedEntryException("sealed, but not a file cache entry (magic " + Integer.toHexString(header.getInt(MAGIC_OFFSET)) + ")");
        }
        int version = header.getInt(FORMAT_VERSION_OFFSET);
        if (version != FORMAT_VERSION) {
            throw new RejectedEntryException("format version " + version + ", this reader knows only " + FORMAT_VERSION);
        }
        int sealedNamespace = header.getInt(NAMESPACE_OFFSET);
        if (sealedNamespace != namespace.code()) {
            throw new RejectedEntryException("sealed for namespace " + sealedNamespace + ", found in " + namespace.directoryName()
                    + " (" + namespace.code() + ")");
        }
        Sha256 sealedKey = Sha256.wrap(Arrays.copyOfRange(entry, KEY_OFFSET, KEY_OFFSET + Sha256.LENGTH));
        if (!sealedKey.equals(key)) {
            throw new RejectedEntryException("sealed for key " + sealedKey.hex() + ": copied under another key's name");
        }
        int bodyLength = header.getInt(BODY_LENGTH_OFFSET);
        if (bodyLength != entry.length - OVERHEAD) {
            throw new RejectedEntryException("body length " + bodyLength + " does not match the file's " + entry.length + " bytes");
        }
        return Arrays.copyOfRange(entry, BODY_OFFSET, BODY_OFFSET + bodyLength);
    }
}
