package dev.opcached.daemon.filecache;

import dev.opcached.protocol.unit.Sha256;
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

    /** Files {@code body} under {@code key} in {@code namespace}, replacing what was there; never throws for the store's troubles. */
    void write(Namespace namespace, Sha256 key, byte[] body);
}
