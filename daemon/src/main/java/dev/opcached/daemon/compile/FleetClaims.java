package dev.opcached.daemon.compile;

import dev.opcached.protocol.unit.Sha256;
import java.util.Collection;
import java.util.Map;
import java.util.Set;

/**
 * Single flight across the fleet: a short-lived claim on a source key that one host takes before
 * it compiles a unit no level holds, so that another host missing the same unit at once waits
 * for it instead of compiling it too. A claim expires by itself, so a claimer that dies costs the
 * others at most the claim's life; a store that cannot tell says so, and the caller compiles.
 * A batch's claims are asked for together, so that a batch waits on the fleet once, not once per file.
 */
public interface FleetClaims {
    /** What a claim attempt found. */
    enum Claim {
        /** Ours: compile, then release. */
        OWNED,
        /** Another process's, still live: wait for its entry, bounded. */
        HELD,
        /** No answer (the store is down or slow): compile. */
        UNKNOWN
    }

    /** Whether claims can be taken now (the fleet's store is up): waiting on each other is of use only then. */
    boolean up();

    /** Tries to claim each of {@code sourceKeys} for {@code millis}; every key has an answer. */
    Map<Sha256, Claim> claim(Collection<Sha256> sourceKeys, long millis);

    /** Those of {@code sourceKeys} a claim still holds (none when unknown): asked while waiting on another's. */
    Set<Sha256> held(Collection<Sha256> sourceKeys);

    /** Gives up our claim on {@code sourceKey} (the entry is stored, or the compile failed); never another's. */
    void release(Sha256 sourceKey);

    /** A unit was taken from another host's compile after waiting on its claim: one compile saved. */
    void saved();
}
