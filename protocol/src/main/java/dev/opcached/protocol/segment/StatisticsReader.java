package dev.opcached.protocol.segment;

import static dev.opcached.protocol.segment.HeaderLayout.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.openhft.chronicle.bytes.BytesStore;

/**
 * Reads the figures of §21 without the lock, and makes them sane: the header they come from may
 * be damaged (until the next writer repairs it), so a figure no sound segment can hold is
 * reported as unknown, {@link SegmentStatistics#UNKNOWN}, never passed on as it reads.
 */
final class StatisticsReader {
    /** How far ahead of the reader's clock a recorded time may be (other processes' clocks differ a little). */
    private static final long FUTURE_TOLERANCE_MILLIS = TimeUnit.DAYS.toMillis(1);

    private final BytesStore<?, ?> bytes;
    /** Hits, misses, usage records and restart requests: the activity file. */
    private final BytesStore<?, ?> activity;
    private final SegmentGeometry geometry;
    private final SegmentReader reader;
    private final SegmentScan scan;
    private final EpochClock clock;

    StatisticsReader(SegmentFile file, SegmentReader reader, EpochClock clock) {
        this.bytes = file.bytes();
        this.activity = file.activity();
        this.geometry = file.geometry();
        this.reader = reader;
        this.scan = new SegmentScan(file);
        this.clock = clock;
    }

    SegmentStatistics statistics() {
        long arenaLength = geometry.arenaLength();
        long top = clamp(bytes.readVolatileLong(ARENA_TOP_OFFSET), 0, arenaLength);
        long wasted = clamp(bytes.readVolatileLong(WASTED_BYTES_OFFSET), 0, top);
        long free = arenaLength - top;
        long segmentLength = geometry.segmentLength();
        long now = clock.millis();
        return new SegmentStatistics(
                segmentLength,
                segmentLength - free - wasted,
                free,
                wasted,
                bytes.readVolatileInt(CACHE_FULL_OFFSET) != 0,
                RestartReason.ofCode(ActivityLayout.restartPendingVolatile(activity)),
                (int) count(bytes.readVolatileInt(CACHED_SCRIPTS_OFFSET), geometry.maxKeys()),
                (int) count(bytes.readVolatileInt(USED_KEYS_OFFSET), geometry.maxKeys()),
                geometry.maxKeys(),
                counter(ActivityLayout.stripeSumVolatile(activity, ActivityLayout.STRIPE_HITS)),
                counter(ActivityLayout.stripeSumVolatile(activity, ActivityLayout.STRIPE_MISSES)),
                counter(ActivityLayout.stripeSumVolatile(activity, ActivityLayout.STRIPE_BLACKLIST_MISSES)),
                counter(bytes.readVolatileLong(STORES_OFFSET)),
                time(bytes.readVolatileLong(START_TIME_MILLIS_OFFSET), now, false),
                time(bytes.readVolatileLong(LAST_RESTART_MILLIS_OFFSET), now, true),
                RestartReason.ofCode(bytes.readVolatileInt(LAST_RESTART_REASON_OFFSET)),
                counter(bytes.readVolatileLong(OOM_RESTARTS_OFFSET)),
                counter(bytes.readVolatileLong(HASH_RESTARTS_OFFSET)),
                counter(bytes.readVolatileLong(MANUAL_RESTARTS_OFFSET)),
                counter(bytes.readVolatileLong(CORRUPTION_RESTARTS_OFFSET)),
                counter(bytes.readVolatileLong(RECOVERIES_OFFSET)),
                counter(bytes.readVolatileLong(COMPILES_OFFSET)),
                generationVolatile(bytes),
                creatorPidVolatile(bytes),
                time(bytes.readVolatileLong(HEARTBEAT_MILLIS_OFFSET), now, false),
                counter(bytes.readVolatileLong(LOST_RESTARTS_OFFSET)),
                new FileCacheFigures(counter(bytes.readVolatileLong(FILE_CACHE_HITS_OFFSET)),
                        counter(bytes.readVolatileLong(FILE_CACHE_MISSES_OFFSET)),
                        counter(bytes.readVolatileLong(FILE_CACHE_STORES_OFFSET)),
                        counter(bytes.readVolatileLong(FILE_CACHE_REJECTIONS_OFFSET)),
                        counter(bytes.readVolatileLong(FILE_CACHE_BYTES_OFFSET)),
                        counter(bytes.readVolatileLong(FILE_CACHE_ENTRIES_OFFSET))));
    }

    private static long clamp(long value, long min, long max) {
        return Math.max(min, Math.min(max, value));
    }

    /** A counter only grows from 0: a negative one was damaged. */
    static long counter(long value) {
        return value < 0 ? SegmentStatistics.UNKNOWN : value;
    }

    private static long count(long value, long max) {
        return value < 0 || value > max ? SegmentStatistics.UNKNOWN : value;
    }

    /** A recorded time is after the epoch and not far ahead of now; 0 stays 0 where it means "never". */
    static long time(long millis, long now, boolean zeroMeansNever) {
        if (millis == 0 && zeroMeansNever) {
            return 0;
        }
        return millis <= 0 || millis > now + FUTURE_TOLERANCE_MILLIS ? SegmentStatistics.UNKNOWN : millis;
    }

    /**
     * The restart log, oldest first: at most {@code RESTART_LOG_RECORDS - 1} records, since the
     * ring's oldest record is the one the next restart overwrites. Read without the lock: a record a
     * writer may have been replacing while it was read is left out, and so is one that no sound
     * segment can hold (an unknown reason, a time out of range, generation 0).
     */
    List<RestartRecord> restartLog() {
        long count = restartLogCountVolatile(bytes);
        if (count <= 0) {
            return List.of();
        }
        long now = clock.millis();
        long first = Math.max(0, count - (RESTART_LOG_RECORDS - 1));
        RestartRecord[] read = new RestartRecord[(int) (count - first)];
        for (long n = first; n < count; n++) {
            long record = restartRecordOffset(n);
            long millis = time(bytes.readVolatileLong(record + RESTART_RECORD_MILLIS), now, false);
            long generation = bytes.readVolatileLong(record + RESTART_RECORD_GENERATION);
            RestartReason reason = RestartReason.ofCode(bytes.readVolatileInt(record + RESTART_RECORD_REASON));
            if (millis != SegmentStatistics.UNKNOWN && generation > 0 && reason != RestartReason.NONE) {
                read[(int) (n - first)] = new RestartRecord(millis, generation, reason);
            }
        }
        // A restart being logged meanwhile overwrites the record RESTART_LOG_RECORDS before its own.
        long stillThere = Math.max(first, restartLogCountVolatile(bytes) - (RESTART_LOG_RECORDS - 1));
        List<RestartRecord> log = new ArrayList<>();
        for (long n = stillThere; n < count; n++) {
            if (read[(int) (n - first)] != null) {
                log.add(read[(int) (n - first)]);
            }
        }
        return log;
    }

    List<ScriptStatistics> scripts() {
        List<ScriptStatistics> scripts = new ArrayList<>();
        long generation = generationVolatile(bytes);
        long now = clock.millis();
        for (int i = 0; i < geometry.slotCount() && !reader.closed(); i++) {
            long slot = SlotLayout.slotAt(i);
            long ref = SlotLayout.refVolatile(bytes, slot);
            if (!SlotLayout.holdsEntry(ref, generation)) {
                continue;
            }
            String path = scan.entryKey(SlotLayout.entryOffset(ref));
            SegmentKey key;
            try {
                key = path == null ? null : SegmentKey.of(path);
            } catch (IllegalArgumentException damagedKey) {
                key = null;
            }
            CachedEntry entry = key == null ? null : reader.find(key);
            if (entry == null || entry.ref() != ref) {
                continue;
            }
            long usage = geometry.usageOf(slot);
            scripts.add(new ScriptStatistics(path,
                    counter(UsageLayout.hitsVolatile(activity, usage)),
                    entry.memoryConsumption(),
                    time(UsageLayout.lastUsedVolatile(activity, usage), now, true),
                    entry.metadata().sourceMtimeMillis(),
                    entry.metadata()));
        }
        return scripts;
    }
}
