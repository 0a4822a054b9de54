package dev.opcached.protocol.segment;

/**
 * The file cache's figures as the segment holds them for the pool (header §5, the file cache
 * line): counters since the pool started, and the cache's size as last seen.
 *
 * @param hits       entries found and sound
 * @param misses     entries looked for and not found, or rejected
 * @param stores     entries written
 * @param rejections entries found but refused (bad seal, truncated, foreign key, not a regular file)
 * @param bytes      bytes the cache's entries take on disk
 * @param entries    entries on disk
 */
public record FileCacheFigures(long hits, long misses, long stores, long rejections, long bytes, long entries) {
    public static final FileCacheFigures NONE = new FileCacheFigures(0, 0, 0, 0, 0, 0);
}
