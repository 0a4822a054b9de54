package dev.opcached.protocol.segment;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A payload for segment tests (the segment never interprets payloads): the class-file list that
 * was the entry payload up to layout version 3. Encodes a script's class files and back: {@code int count}, then for each
 * class {@code int nameLength, name (UTF-8), int codeLength, code}; little-endian.
 */
public final class ClassFilePayload {
    private ClassFilePayload() {
    }

    /** The payload for these classes. */
    public static byte[] encode(List<ClassFile> classes) {
        long length = Integer.BYTES;
        List<byte[]> names = new ArrayList<>(classes.size());
        for (ClassFile classFile : classes) {
            byte[] name = classFile.binaryName().getBytes(StandardCharsets.UTF_8);
            names.add(name);
            length += 2L * Integer.BYTES + name.length + classFile.bytes().length;
        }
        if (length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("payload too large: length=" + length);
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(classes.size());
        for (int i = 0; i < classes.size(); i++) {
            buffer.putInt(names.get(i).length).put(names.get(i));
            byte[] code = classes.get(i).bytes();
            buffer.putInt(code.length).put(code);
        }
        return buffer.array();
    }

    /**
     * The classes in a payload.
     *
     * @throws IllegalArgumentException when the payload is not a well-formed class list
     */
    public static List<ClassFile> decode(byte[] payload) {
        ByteBuffer buffer = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        int count = readLength(buffer, "class count");
        if (count > payload.length / (2 * Integer.BYTES)) {
            throw new IllegalArgumentException("malformed payload: class count " + count
                    + " cannot fit in " + payload.length + " bytes");
        }
        List<ClassFile> classes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] name = new byte[readLength(buffer, "name length")];
            buffer.get(name);
            byte[] code = new byte[readLength(buffer, "code length")];
            buffer.get(code);
            classes.add(new ClassFile(new String(name, StandardCharsets.UTF_8), code));
        }
        if (buffer.hasRemaining()) {
            throw new IllegalArgumentException("malformed payload: " + buffer.remaining() + " trailing bytes");
        }
        return classes;
    }

    private static int readLength(ByteBuffer buffer, String what) {
        if (buffer.remaining() < Integer.BYTES) {
            throw new IllegalArgumentException("malformed payload: truncated before " + what);
        }
        int length = buffer.getInt();
        if (length < 0 || length > buffer.remaining()) {
            throw new IllegalArgumentException("malformed payload: " + what + " " + length
                    + " with " + buffer.remaining() + " bytes left");
        }
        return length;
    }
}
