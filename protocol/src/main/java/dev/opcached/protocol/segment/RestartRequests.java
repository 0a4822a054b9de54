package dev.opcached.protocol.segment;

/** Where a lock-free reader reports damage it saw: readers cannot restart, they ask the next writer to. */
@FunctionalInterface
interface RestartRequests {
    /** An observer's: it writes nothing, so it asks for nothing (§13). */
    RestartRequests NONE = (reason, what) -> {
    };

    /** Asks for a restart for {@code reason}; {@code what} says what was seen, for the log. */
    void request(RestartReason reason, String what);
}
