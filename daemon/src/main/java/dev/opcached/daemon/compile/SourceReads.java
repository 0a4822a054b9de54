package dev.opcached.daemon.compile;

import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.unit.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The docroot sources one batch has read, each read once: however often javac (or a second pass
 * over the same batch) asks for a file's text, it gets the same bytes, so what is hashed and
 * recorded is what was compiled.
 */
final class SourceReads {
    private final Map<Path, SourceRead> reads = new LinkedHashMap<>();

    /**
     * The bytes of the regular file at {@code realPath}, read without following a link, the
     * first time they are asked for.
     *
     * @throws IOException when it cannot be read, or is no longer a regular file
     */
    synchronized SourceRead read(Path realPath) throws IOException {
        SourceRead known = reads.get(realPath);
        if (known != null) {
            return known;
        }
        BasicFileAttributes attributes = Files.readAttributes(realPath, BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isRegularFile()) {
            throw new IOException(realPath + " is no longer a regular file");
        }
        SourceStamp stamp = new SourceStamp(attributes.lastModifiedTime().toMillis(), attributes.size());
        byte[] bytes;
        try (InputStream in = Files.newInputStream(realPath, LinkOption.NOFOLLOW_LINKS)) {
            bytes = in.readAllBytes();
        }
        SourceRead read = new SourceRead(realPath, stamp, bytes, Sha256.of(bytes));
        reads.put(realPath, read);
        return read;
    }

    /** What was read for {@code realPath}, or null when javac never asked for it. */
    synchronized SourceRead get(Path realPath) {
        return reads.get(realPath);
    }
}
