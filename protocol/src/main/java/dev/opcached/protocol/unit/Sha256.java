package dev.opcached.protocol.unit;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/** A SHA-256 digest as a value: the content hash of a source or jar, or the content key of a compile unit. */
public final class Sha256 {
    public static final int LENGTH = 32;
    /** All zero: "no unit key" (a jar dependency has none). */
    public static final Sha256 NONE = new Sha256(new byte[LENGTH]);

    private final byte[] bytes;

    private Sha256(byte[] bytes) {
        this.bytes = bytes;
    }

    /** The digest of {@code data}. */
    public static Sha256 of(byte[] data) {
        return new Sha256(digest().digest(data));
    }

    /** A digest already computed (32 bytes, copied). */
    public static Sha256 wrap(byte[] digest) {
        if (digest.length != LENGTH) {
            throw new IllegalArgumentException("a SHA-256 digest is " + LENGTH + " bytes: length=" + digest.length);
        }
        return new Sha256(digest.clone());
    }

    /** The digest written as 64 lower-case hex digits. */
    public static Sha256 parse(String hex) {
        return wrap(HexFormat.of().parseHex(hex));
    }

    /** A fresh SHA-256 engine (every JDK has one). */
    public static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-256", e);
        }
    }

    /** A copy of the 32 bytes. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Feeds the 32 bytes to a digest without copying them. */
    public void updateInto(MessageDigest digest) {
        digest.update(bytes);
    }

    /** The first 8 bytes as a big-endian long: a short form for status output and EntryMetadata. */
    public long prefix() {
        long value = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            value = (value << 8) | (bytes[i] & 0xFF);
        }
        return value;
    }

    public boolean isNone() {
        return equals(NONE);
    }

    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Sha256 that && Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
