package dev.opcached.protocol.segment;

/**
 * What a cached entry records about its source and its compilation.
 *
 * @param sourceMtimeMillis the source file's modification time when it was compiled
 * @param sourceSize        the source file's size in bytes when it was compiled
 * @param contentHash       a hash of the source text, chosen by the caller
 * @param compiledAtMillis  when the compilation finished (epoch milliseconds)
 * @param compileMicros     how long the compilation took
 */
public record EntryMetadata(long sourceMtimeMillis, long sourceSize, long contentHash,
                            long compiledAtMillis, long compileMicros) {
}
