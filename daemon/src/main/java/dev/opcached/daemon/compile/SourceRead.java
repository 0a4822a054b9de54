package dev.opcached.daemon.compile;

import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.unit.Sha256;
import java.nio.file.Path;

/**
 * One docroot source as javac read it: the bytes it compiled, their hash, and the file's stamp
 * taken before they were read (so that a change during the read shows as a changed stamp later).
 *
 * @param path  the file's real path
 * @param stamp its modification time and size, before the read
 * @param bytes exactly the bytes javac was given
 * @param hash  SHA-256 of {@code bytes}
 */
record SourceRead(Path path, SourceStamp stamp, byte[] bytes, Sha256 hash) {
}
