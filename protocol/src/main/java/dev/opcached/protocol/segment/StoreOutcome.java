package dev.opcached.protocol.segment;

/** What {@link Segment#store} did. */
public enum StoreOutcome {
    /** The entry is published; lookups in every attached process see it. */
    STORED,
    /** Arena or index full and not enough wasted memory to restart: nothing stored (cache_full). */
    CACHE_FULL,
    /** The entry is larger than the whole arena; it can never be cached. */
    TOO_LARGE
}
