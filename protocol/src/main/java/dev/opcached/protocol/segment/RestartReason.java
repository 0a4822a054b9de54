package dev.opcached.protocol.segment;

/** Why the cache was emptied; OPcache's ACCEL_RESTART_* reasons plus detected corruption. */
public enum RestartReason {
    NONE(0),
    /** The arena was full and wasted memory had reached max_wasted_percentage. */
    OOM(1),
    /** The index was full (max_accelerated_files keys) and wasted memory had reached the threshold. */
    HASH(2),
    /** Asked for: opcache_reset(), the admin endpoint's reset. */
    MANUAL(3),
    /** A reader or writer saw damage (bad magic, an offset out of range, a checksum mismatch). */
    CORRUPTION(4);

    private final int code;

    RestartReason(int code) {
        this.code = code;
    }

    /** The value stored in the segment. */
    public int code() {
        return code;
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
