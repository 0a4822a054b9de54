package dev.opcached.daemon.compile;

import dev.opcached.daemon.filecache.Namespace;
import dev.opcached.daemon.filecache.UnitStore;
import dev.opcached.protocol.unit.Sha256;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The second levels of the compile path in order: this host's file cache, then the fleet's store
 * (Redis). A read asks the host first and the fleet only on a miss; a fleet hit is written back
 * to the host, so that the next reset or restart of this pool finds it on disk. A write goes to
 * both. Each level can also be asked alone, for an entry of the host that turned out stale. Either level may be absent (its directive is empty).
 */
final class LevelledStore implements UnitStore {
    private final UnitStore host;
    private final UnitStore fleet;

    /** @param host the file cache, or null; @param fleet the fleet's store, or null */
    LevelledStore(UnitStore host, UnitStore fleet) {
        if (host == null && fleet == null) {
            throw new IllegalArgumentException("a levelled store needs at least one level");
        }
        this.host = host;
        this.fleet = fleet;
    }

    @Override
    public Optional<byte[]> read(Namespace namespace, Sha256 key) {
        Optional<byte[]> onHost = readHost(namespace, key);
        return onHost.isPresent() ? onHost : readFleet(namespace, key);
    }

    /** The host's entry alone: empty without a file cache, or when it holds none. */
    Optional<byte[]> readHost(Namespace namespace, Sha256 key) {
        return host == null ? Optional.empty() : host.read(namespace, key);
    }

    /**
     * The fleet's entry alone, written back to the host: empty without a fleet level, or when it
     * holds none. Asked after {@link #readHost} found nothing, or found an entry that turned out
     * to be of no use (a source record is only a hint, and goes stale: {@link FileCacheLevel}).
     */
    Optional<byte[]> readFleet(Namespace namespace, Sha256 key) {
        if (fleet == null) {
            return Optional.empty();
        }
        Optional<byte[]> inFleet = fleet.read(namespace, key);
        if (inFleet.isPresent() && host != null) {
            host.write(namespace, key, inFleet.get());
        }
        return inFleet;
    }

    /** The host's for each key it holds, then the rest asked of the fleet at once, and written back. */
    @Override
    public Map<Sha256, byte[]> readAll(Namespace namespace, Collection<Sha256> keys) {
        if (host == null) {
            return fleet.readAll(namespace, keys);
        }
        Map<Sha256, byte[]> found = new LinkedHashMap<>(host.readAll(namespace, keys));
        if (fleet == null || found.size() == keys.size()) {
            return found;
        }
        List<Sha256> missing = new ArrayList<>(keys);
        missing.removeAll(found.keySet());
        fleet.readAll(namespace, missing).forEach((key, body) -> {
            host.write(namespace, key, body);
            found.put(key, body);
        });
        return found;
    }

    @Override
    public void write(Namespace namespace, Sha256 key, byte[] body) {
        if (host != null) {
            host.write(namespace, key, body);
        }
        if (fleet != null) {
            fleet.write(namespace, key, body);
        }
    }
}
