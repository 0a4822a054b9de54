package dev.opcached.protocol.segment;

import java.util.List;

/**
 * The result of {@link Segment#verify()}: what a full scan of the current generation found.
 *
 * @param keys       slots claimed in the current generation
 * @param scripts    slots whose entry is whole (checksum verified)
 * @param liveBytes  bytes of those entries
 * @param arenaTop   bytes allocated in the arena this generation
 * @param problems   each inconsistency found, in words; empty for a sound segment
 */
public record SegmentVerification(int keys, int scripts, long liveBytes, long arenaTop, List<String> problems) {
    public boolean sound() {
        return problems.isEmpty();
    }
}
