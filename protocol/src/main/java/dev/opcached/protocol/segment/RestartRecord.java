package dev.opcached.protocol.segment;

/**
 * One restart of the cache as the segment's restart log holds it (docs/segment-format.md §5).
 *
 * @param millis     when it happened, epoch milliseconds
 * @param generation the generation it started
 * @param reason     why
 */
public record RestartRecord(long millis, long generation, RestartReason reason) {
}
