package dev.opcached.protocol.testing;

import dev.opcached.protocol.segment.ClassFile;
import dev.opcached.protocol.segment.ClassFilePayload;
import dev.opcached.protocol.segment.EntryMetadata;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Payloads that check themselves: each names its key and version, and its bytes derive from
 * them, so a reader can tell a whole, right entry from a torn, mixed or recycled one.
 */
public final class TestPayloads {
    private TestPayloads() {
    }

    public static String path(int key) {
        return "/srv/www/app/script-" + key + ".java";
    }

    /** The payload of version {@code version} of key {@code key}, {@code size} code bytes. */
    public static byte[] payload(int key, long version, int size) {
        return ClassFilePayload.encode(List.of(new ClassFile("K" + key + "v" + version, code(key, version, size))));
    }

    /** Metadata that agrees with {@link #payload}: the version is the mtime. */
    public static EntryMetadata metadata(long version, int size) {
        return new EntryMetadata(version, size, version * 31 + size, version, 1);
    }

    private static byte[] code(int key, long version, int size) {
        byte[] code = new byte[size];
        new SplittableRandom(key * 1_000_003L + version).nextBytes(code);
        return code;
    }

    /**
     * Checks a payload read for {@code key} with the metadata it came with.
     *
     * @return null when it is right; otherwise what is wrong
     */
    public static String problem(int key, EntryMetadata metadata, byte[] payload) {
        List<ClassFile> classes;
        try {
            classes = ClassFilePayload.decode(payload);
        } catch (IllegalArgumentException e) {
            return "undecodable payload: " + e.getMessage();
        }
        if (classes.size() != 1) {
            return "expected 1 class, got " + classes.size();
        }
        String name = classes.get(0).binaryName();
        int v = name.indexOf('v');
        if (!name.startsWith("K") || v < 0) {
            return "bad class name " + name;
        }
        int actualKey = Integer.parseInt(name.substring(1, v));
        long version = Long.parseLong(name.substring(v + 1));
        if (actualKey != key) {
            return "payload of key " + actualKey + " under key " + key;
        }
        byte[] code = classes.get(0).bytes();
        if (!metadata.equals(metadata(version, code.length))) {
            return "metadata " + metadata + " does not belong to version " + version + " size " + code.length;
        }
        if (!Arrays.equals(code, code(key, version, code.length))) {
            return "code bytes of " + name + " differ from what was stored";
        }
        return null;
    }
}
