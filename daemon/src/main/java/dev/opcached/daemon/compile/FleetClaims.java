package dev.opcached.daemon.compile;

import dev.opcached.protocol.unit.Sha256;

/**
 * Single flight across the fleet: a short-lived claim on a source key that one host takes before
 * it compiles a unit no level holds, so that another host missing the same unit at once waits
 * for it instead of compiling it too. A claim expires by itself, so a claimer that dies costs the
 * others at most the claim's life; a store that cannot tell says so, and the caller compiles.
 */
public interface FleetClaims {
    /** What a claim attempt found. */
    enum Claim {
        /** Ours: compile, then release. */
        OWNED,
        /** Another host's, still live: wait for its entry, bounded. */
        HELD,
        /** No answer (the store is down or slow): compile. */
        UNKNOWN
    }

    /** Tries to claim {@code sourceKey} for {@code millis}. */
    Claim claim(Sha256 sourceKey, long millis);

    /** Whether someone's claim on {@code sourceKey} is still live (false when unknown). */
    boolean held(Sha256 sourceKey);

    /** Gives up our claim on {@code sourceKey} (the entry is stored, or the compile failed). */
    void release(Sha256 sourceKey);

    /** A unit was taken from another host's compile after waiting on its claim: one compile saved. */
    void saved();
}
