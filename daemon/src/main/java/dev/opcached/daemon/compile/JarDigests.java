package dev.opcached.daemon.compile;

import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.unit.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;

/**
 * SHA-256 of the docroot's jars, each hashed once per stamp: a vendor jar of megabytes is read
 * again only when its modification time or size changed, not for every batch.
 */
final class JarDigests {
    private record Known(SourceStamp stamp, Sha256 digest) {
    }

    private final Map<Path, Known> known = new HashMap<>();
    private long hashed;

    /** The digest of {@code jar} as it is with {@code stamp} (taken before javac read it). */
    synchronized Sha256 digest(Path jar, SourceStamp stamp) throws IOException {
        Known cached = known.get(jar);
        if (cached != null && cached.stamp().equals(stamp)) {
            return cached.digest();
        }
        MessageDigest digest = Sha256.digest();
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(jar)) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
        }
        Sha256 result = Sha256.wrap(digest.digest());
        known.put(jar, new Known(stamp, result));
        hashed++;
        return result;
    }

    /** How many times a jar was read and hashed (for tests: once per stamp). */
    synchronized long hashed() {
        return hashed;
    }
}
