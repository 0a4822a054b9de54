package dev.opcached.daemon.filecache;

import dev.opcached.protocol.unit.Sha256;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A second level of the compile path: opaque bodies under content keys in a {@link Namespace},
 * sealed by the store so that what it hands back is exactly what was written under that key.
 * Nothing that goes wrong in the store reaches the caller: a read that cannot be trusted is a
 * miss, a write that fails is the store's counter and log line, never an exception.
 */
public interface UnitStore {
    /** The body filed under {@code key} in {@code namespace}, or empty (absent, rejected, unavailable). */
    Optional<byte[]> read(Namespace namespace, Sha256 key);

    /**
     * The bodies of those of {@code keys} the store holds and trusts, in their order: one at a
     * time here; a store across the network asks for them all at once, under one bound.
     */
    default Map<Sha256, byte[]> readAll(Namespace namespace, Collection<Sha256> keys) {
        Map<Sha256, byte[]> found = new LinkedHashMap<>();
        for (Sha256 key : keys) {
            read(namespace, key).ifPresent(body -> found.put(key, body));
        }
        return found;
    }

    /** Files {@code body} under {@code key} in {@code namespace}, replacing what was there; never throws for the store's troubles. */
    void write(Namespace namespace, Sha256 key, byte[] body);
}
