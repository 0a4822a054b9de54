package dev.opcached.protocol.segment;

/**
 * One cached script, as {@code opcache_get_status()['scripts']} shows it.
 *
 * @param fullPath           the key (the script's real path)
 * @param hits               lookups that found this entry
 * @param memoryConsumption  bytes the entry takes in the arena
 * @param lastUsedMillis     last hit (epoch ms; OPcache reports seconds)
 * @param timestampMillis    the source's modification time when compiled
 * @param metadata           everything the entry records
 */
public record ScriptStatistics(String fullPath, long hits, long memoryConsumption, long lastUsedMillis,
                               long timestampMillis, EntryMetadata metadata) {
}
