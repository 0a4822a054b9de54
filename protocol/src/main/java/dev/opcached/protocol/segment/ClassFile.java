package dev.opcached.protocol.segment;

import java.util.Objects;

/**
 * One compiled class of a script.
 *
 * @param binaryName the class's binary name ({@code com.example.Outer$Inner})
 * @param bytes      the class file
 */
public record ClassFile(String binaryName, byte[] bytes) {
    public ClassFile {
        Objects.requireNonNull(binaryName, "binaryName");
        Objects.requireNonNull(bytes, "bytes");
    }
}
