package dev.opcached.protocol.unit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.List;

/**
 * The content key of a compile unit: SHA-256 over everything that decides its class files, and
 * nothing that depends on where the docroot lives, so that two releases under different paths
 * (or two hosts) with the same content share it. Inputs, each length-prefixed so that no two
 * input lists give the same bytes:
 *
 * <pre>
 *   "opcached-unit" · CompileUnitCodec.FORMAT · JDK version · compiler options (in order)
 *   · the file's path relative to the docroot · SHA-256 of its source
 *   · per input, in relative-path order: kind · relative path · SHA-256 of its content
 * </pre>
 *
 * The inputs are the unit's whole dependency closure (with their contents), so a change anywhere
 * in what the classes were compiled against is a new key; dependency cycles need no special case.
 */
public final class UnitKey {
    private static final byte[] DOMAIN = "opcached-unit".getBytes(StandardCharsets.UTF_8);
    private static final byte[] SOURCE_DOMAIN = "opcached-source".getBytes(StandardCharsets.UTF_8);

    private UnitKey() {
    }

    /** One input of a key: a dependency by its docroot-relative path. */
    public record Input(Dependency.Kind kind, String relativePath, Sha256 contentHash) {
    }

    /**
     * The key of the unit compiled from the source at {@code relativePath} with content
     * {@code sourceHash} against {@code inputs}.
     */
    public static Sha256 of(String jdkVersion, List<String> compilerOptions, String relativePath, Sha256 sourceHash,
                            List<Input> inputs) {
        MessageDigest digest = source(DOMAIN, jdkVersion, compilerOptions, relativePath, sourceHash);
        List<Input> sorted = inputs.stream()
                .sorted(Comparator.comparing(Input::relativePath).thenComparing(Input::kind)).toList();
        digest.update(ByteBuffer.allocate(Integer.BYTES).putInt(sorted.size()).array());
        for (Input input : sorted) {
            digest.update((byte) input.kind().code());
            put(digest, input.relativePath());
            input.contentHash().updateInto(digest);
        }
        return Sha256.wrap(digest.digest());
    }

    /**
     * The key under which the file cache remembers which unit a source was last compiled to:
     * SHA-256 over {@code "opcached-source"}, FORMAT, the JDK version, the compiler options, the
     * relative path and the source's hash (length-prefixed as above). Known before compiling, so
     * that a miss can find a unit without javac; what it names is checked against the files.
     */
    public static Sha256 sourceKey(String jdkVersion, List<String> compilerOptions, String relativePath,
                                   Sha256 sourceHash) {
        return Sha256.wrap(source(SOURCE_DOMAIN, jdkVersion, compilerOptions, relativePath, sourceHash).digest());
    }

    /** A digest fed the part both keys share: domain, format, JDK, options, path, source hash. */
    private static MessageDigest source(byte[] domain, String jdkVersion, List<String> compilerOptions,
                                        String relativePath, Sha256 sourceHash) {
        MessageDigest digest = Sha256.digest();
        put(digest, domain);
        digest.update(ByteBuffer.allocate(Integer.BYTES).putInt(CompileUnitCodec.FORMAT).array());
        put(digest, jdkVersion);
        digest.update(ByteBuffer.allocate(Integer.BYTES).putInt(compilerOptions.size()).array());
        for (String option : compilerOptions) {
            put(digest, option);
        }
        put(digest, relativePath);
        sourceHash.updateInto(digest);
        return digest;
    }

    private static void put(MessageDigest digest, String text) {
        put(digest, text.getBytes(StandardCharsets.UTF_8));
    }

    private static void put(MessageDigest digest, byte[] bytes) {
        digest.update(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
        digest.update(bytes);
    }
}
