package dev.opcached.protocol.segment;

/** Why the cache was emptied; OPcache's ACCEL_RESTART_* reasons plus detected corruption and a lost segment. */
public enum RestartReason {
    NONE(0, "none"),
    /** The arena was full and wasted memory had reached max_wasted_percentage. */
    OOM(1, "oom"),
    /** The index was full (max_accelerated_files keys) and wasted memory had reached the threshold. */
    HASH(2, "hash"),
    /** Asked for: opcache_reset(), the admin endpoint's reset. */
    MANUAL(3, "manual"),
    /** A reader or writer saw damage (bad magic, an offset out of range, a checksum mismatch). */
    CORRUPTION(4, "corruption"),
    /**
     * The previous segment's file was truncated or deleted, and the supervisor replaced it with a
     * new segment, which starts with this reason and the old one's counters (see
     * {@link Segment#create(java.nio.file.Path, SegmentConfig, EpochClock, SegmentStatistics, RestartReason)}).
     */
    LOST(5, "segment_lost");

    private final int code;
    private final String label;

    RestartReason(int code, String label) {
        this.code = code;
        this.label = label;
    }

    /** The value stored in the segment. */
    public int code() {
        return code;
    }

    /** The name reported in status and logs ({@code segment_lost} for {@link #LOST}). */
    public String label() {
        return label;
    }

    /** The reason stored as {@code code}; {@link #NONE} for anything unknown. */
    public static RestartReason ofCode(int code) {
        for (RestartReason reason : values()) {
            if (reason.code == code) {
                return reason;
            }
        }
        return NONE;
    }
}
