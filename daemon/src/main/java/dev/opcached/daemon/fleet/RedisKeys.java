package dev.opcached.daemon.fleet;

import dev.opcached.daemon.filecache.EntryFormat;
import dev.opcached.daemon.filecache.Namespace;
import dev.opcached.daemon.filecache.SealKey;
import dev.opcached.protocol.unit.Sha256;
import java.nio.charset.StandardCharsets;

/**
 * The names opcached gives its keys in Redis:
 * {@code opcached:v<format>:<fleet key id>:unit|source|claim:<hex>}. Every key starts with the
 * prefix, so another application's keys in the same database are never touched; the fleet key's
 * {@link SealKey#id()} comes next, so hosts with different fleet keys (a host that made its own,
 * a key being rotated) never read, overwrite or wait on each other's entries.
 */
public final class RedisKeys {
    /** What every key opcached writes starts with. */
    public static final String PREFIX = "opcached:v" + EntryFormat.FORMAT_VERSION + ":";

    private final SealKey fleetKey;

    RedisKeys(SealKey fleetKey) {
        this.fleetKey = fleetKey;
    }

    /** The key of the fleet's claim on {@code sourceKey}. */
    byte[] claim(Sha256 sourceKey) {
        return (PREFIX + fleetKey.id() + ":claim:" + sourceKey.hex()).getBytes(StandardCharsets.US_ASCII);
    }

    /** The key of the entry filed under {@code key} in {@code namespace}. */
    byte[] entry(Namespace namespace, Sha256 key) {
        return (PREFIX + fleetKey.id() + ":" + namespace.directoryName() + ":" + key.hex())
                .getBytes(StandardCharsets.US_ASCII);
    }
}
