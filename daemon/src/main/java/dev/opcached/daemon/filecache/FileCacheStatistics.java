package dev.opcached.daemon.filecache;

/**
 * What one process's file cache has done since it was opened, and what it holds as far as this
 * process knows (its view, rebuilt from a scan of the directory at open).
 *
 * @param hits reads that returned a body
 * @param misses reads that returned nothing: no file, or a rejected one (so rejections are also misses)
 * @param stores entries written
 * @param rejections files refused on read (bad seal, truncated, wrong key or namespace, not a regular file, unreadable)
 * @param writeFailures writes that failed (disk full, read-only file system, permissions)
 * @param pruned entries removed to keep the directory under its size bound
 * @param bytes the total size of the entry files
 * @param entries the number of entry files
 */
public record FileCacheStatistics(long hits, long misses, long stores, long rejections, long writeFailures, long pruned,
        long bytes, long entries) {
}
