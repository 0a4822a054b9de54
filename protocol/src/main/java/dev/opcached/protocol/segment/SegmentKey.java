package dev.opcached.protocol.segment;

import java.nio.charset.StandardCharsets;

/**
 * A cache key (a script's real path) with its UTF-8 bytes and 64-bit hash computed once, so that
 * a lookup does neither. Callers keep keys for the paths they serve.
 */
public final class SegmentKey {
    /** Longest key accepted, in UTF-8 bytes (PATH_MAX on Linux). */
    public static final int MAX_LENGTH = 4096;

    private static final long FNV_OFFSET_BASIS = 0xCBF29CE484222325L;
    private static final long FNV_PRIME = 0x100000001B3L;

    private final String path;
    private final byte[] utf8;
    private final long hash;
    /** The key bytes as little-endian words, the last one zero-padded: compared 8 bytes at a time. */
    private final long[] words;

    private SegmentKey(String path) {
        this.path = path;
        this.utf8 = path.getBytes(StandardCharsets.UTF_8);
        if (utf8.length == 0 || utf8.length > MAX_LENGTH) {
            throw new IllegalArgumentException(
                    "key length must be 1.." + MAX_LENGTH + " UTF-8 bytes: length=" + utf8.length);
        }
        this.hash = hash(utf8);
        this.words = new long[(utf8.length + 7) / 8];
        for (int i = 0; i < utf8.length; i++) {
            words[i >> 3] |= (utf8[i] & 0xFFL) << ((i & 7) * 8);
        }
    }

    /** The key for a path string. */
    public static SegmentKey of(String path) {
        return new SegmentKey(path);
    }

    /**
     * The key hash of the format: FNV-1a over the UTF-8 bytes, then MurmurHash3's 64-bit
     * finaliser so that the low bits (the probe start) depend on every byte.
     */
    public static long hash(byte[] utf8) {
        long h = FNV_OFFSET_BASIS;
        for (byte b : utf8) {
            h ^= b & 0xFF;
            h *= FNV_PRIME;
        }
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return h;
    }

    public String path() {
        return path;
    }

    byte[] utf8() {
        return utf8;
    }

    long[] words() {
        return words;
    }

    public long hash() {
        return hash;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SegmentKey key && key.path.equals(path);
    }

    @Override
    public int hashCode() {
        return path.hashCode();
    }

    @Override
    public String toString() {
        return path;
    }
}
