package dev.opcached.protocol.unit;

import dev.opcached.protocol.segment.ClassFile;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The byte form of a {@link CompileUnit}, little-endian; every length is checked against what is
 * left before anything is allocated, so that damaged or hostile bytes give an
 * {@link IllegalArgumentException} and nothing else.
 *
 * <pre>
 *   0        4        8                        40                       72
 *  +--------+--------+------------------------+------------------------+--------+
 *  | MAGIC  | FORMAT | SOURCE_HASH (32)       | UNIT_KEY (32)          | DEPS   |
 *  +--------+--------+------------------------+------------------------+--------+
 *  then DEPS times:
 *  +--------+----------------+----------------+--------------+--------------+--------+----------+
 *  | KIND   | MTIME_MS (8)   | SIZE (8)       | CONTENT (32) | UNIT_KEY (32)| PATH_N | PATH     |
 *  +--------+----------------+----------------+--------------+--------------+--------+----------+
 *  then:
 *  +--------+  and CLASSES times: +--------+------+--------+------+
 *  | CLASSES|                     | NAME_N | NAME | CODE_N | CODE |
 *  +--------+                     +--------+------+--------+------+
 * </pre>
 *
 * MAGIC is "OPCU"; FORMAT is {@link #FORMAT}; KIND is {@link Dependency.Kind#code()}; PATH and NAME
 * are UTF-8; the counts and the _N lengths are ints.
 */
public final class CompileUnitCodec {
    /** "OPCU" as a little-endian int. */
    public static final int MAGIC = 0x5543504F;
    /** The version of this byte form; part of every {@link UnitKey}. */
    public static final int FORMAT = 1;

    private static final int DEPENDENCY_FIXED = Integer.BYTES + 2 * Long.BYTES + 2 * Sha256.LENGTH + Integer.BYTES;

    private CompileUnitCodec() {
    }

    public static byte[] encode(CompileUnit unit) {
        List<byte[]> paths = new ArrayList<>();
        long length = 2L * Integer.BYTES + 2L * Sha256.LENGTH + Integer.BYTES;
        for (Dependency dependency : unit.dependencies()) {
            byte[] path = dependency.path().getBytes(StandardCharsets.UTF_8);
            paths.add(path);
            length += DEPENDENCY_FIXED + path.length;
        }
        List<byte[]> names = new ArrayList<>();
        length += Integer.BYTES;
        for (ClassFile classFile : unit.classes()) {
            byte[] name = classFile.binaryName().getBytes(StandardCharsets.UTF_8);
            names.add(name);
            length += 2L * Integer.BYTES + name.length + classFile.bytes().length;
        }
        if (length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("compile unit too large: length=" + length);
        }
        ByteBuffer out = ByteBuffer.allocate((int) length).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(MAGIC).putInt(FORMAT).put(unit.sourceHash().bytes()).put(unit.unitKey().bytes());
        out.putInt(unit.dependencies().size());
        for (int i = 0; i < unit.dependencies().size(); i++) {
            Dependency dependency = unit.dependencies().get(i);
            out.putInt(dependency.kind().code()).putLong(dependency.mtimeMillis()).putLong(dependency.size())
                    .put(dependency.contentHash().bytes()).put(dependency.unitKey().bytes())
                    .putInt(paths.get(i).length).put(paths.get(i));
        }
        out.putInt(unit.classes().size());
        for (int i = 0; i < unit.classes().size(); i++) {
            byte[] code = unit.classes().get(i).bytes();
            out.putInt(names.get(i).length).put(names.get(i)).putInt(code.length).put(code);
        }
        return out.array();
    }

    /**
     * The unit in {@code bytes}.
     *
     * @throws IllegalArgumentException when the bytes are not one well-formed unit of this format
     */
    public static CompileUnit decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        try {
            int magic = in.getInt();
            if (magic != MAGIC) {
                throw malformed("magic " + Integer.toHexString(magic) + " is not a compile unit's");
            }
            int format = in.getInt();
            if (format != FORMAT) {
                throw malformed("format " + format + ", this build reads " + FORMAT);
            }
            Sha256 sourceHash = sha(in);
            Sha256 unitKey = sha(in);
            int dependencyCount = count(in, DEPENDENCY_FIXED, "dependency count");
            List<Dependency> dependencies = new ArrayList<>(dependencyCount);
            for (int i = 0; i < dependencyCount; i++) {
                Dependency.Kind kind = Dependency.Kind.of(in.getInt());
                long mtime = in.getLong();
                long size = in.getLong();
                Sha256 content = sha(in);
                Sha256 dependencyKey = sha(in);
                dependencies.add(new Dependency(kind, string(in, "dependency path"), mtime, size, content, dependencyKey));
            }
            int classCount = count(in, 2 * Integer.BYTES, "class count");
            List<ClassFile> classes = new ArrayList<>(classCount);
            for (int i = 0; i < classCount; i++) {
                String name = string(in, "class name");
                classes.add(new ClassFile(name, bytes(in, "class file length")));
            }
            if (in.hasRemaining()) {
                throw malformed(in.remaining() + " trailing bytes");
            }
            return new CompileUnit(sourceHash, unitKey, dependencies, classes);
        } catch (BufferUnderflowException e) {
            throw malformed("truncated at byte " + in.position() + " of " + bytes.length);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("malformed compile unit")) {
                throw e;
            }
            throw malformed(e.getMessage());
        }
    }

    /**
     * Several units as one byte string (a script that the segment does not hold travels with the
     * units of its dependencies that it does not hold either): {@code int count}, then per unit
     * {@code int length} and its {@link #encode} bytes.
     */
    public static byte[] encodeAll(List<CompileUnit> units) {
        List<byte[]> encoded = units.stream().map(CompileUnitCodec::encode).toList();
        long length = Integer.BYTES + encoded.stream().mapToLong(bytes -> Integer.BYTES + (long) bytes.length).sum();
        if (length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("compile units too large: length=" + length);
        }
        ByteBuffer out = ByteBuffer.allocate((int) length).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(encoded.size());
        for (byte[] bytes : encoded) {
            out.putInt(bytes.length).put(bytes);
        }
        return out.array();
    }

    /**
     * The units of {@link #encodeAll}.
     *
     * @throws IllegalArgumentException when the bytes are not well-formed
     */
    public static List<CompileUnit> decodeAll(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        try {
            int count = count(in, Integer.BYTES, "unit count");
            List<CompileUnit> units = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                units.add(decode(bytes(in, "unit length")));
            }
            if (in.hasRemaining()) {
                throw malformed(in.remaining() + " trailing bytes after the units");
            }
            return units;
        } catch (BufferUnderflowException e) {
            throw malformed("truncated at byte " + in.position() + " of " + bytes.length);
        }
    }

    private static Sha256 sha(ByteBuffer in) {
        byte[] digest = new byte[Sha256.LENGTH];
        in.get(digest);
        return Sha256.wrap(digest);
    }

    /** A count of records of at least {@code minRecord} bytes each, checked against what is left. */
    private static int count(ByteBuffer in, int minRecord, String what) {
        int count = in.getInt();
        if (count < 0 || (long) count * minRecord > in.remaining()) {
            throw malformed(what + " " + count + " cannot fit in the " + in.remaining() + " bytes left");
        }
        return count;
    }

    private static String string(ByteBuffer in, String what) {
        return new String(bytes(in, what), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(ByteBuffer in, String what) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw malformed(what + " " + length + " with " + in.remaining() + " bytes left");
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }

    private static IllegalArgumentException malformed(String why) {
        return new IllegalArgumentException("malformed compile unit: " + why);
    }
}
