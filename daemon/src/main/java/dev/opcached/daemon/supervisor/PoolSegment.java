package dev.opcached.daemon.supervisor;

import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentConfig;
import dev.opcached.protocol.segment.SegmentFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's segment as the supervisor holds it: the current file and mapping, a check that the
 * file under its path is still the one mapped and whole (a truncated mapping faults on access, a
 * deleted one cannot be attached by new workers), and its replacement by a new one when it is not.
 */
final class PoolSegment implements Supplier<Segment> {
    private static final Logger LOG = LoggerFactory.getLogger(PoolSegment.class);

    private final Path directory;
    private final String pool;
    private final SegmentConfig config;
    private final SegmentSpace space;
    private final WorkerUser user;
    private volatile Segment segment;
    private volatile Object fileKey;

    private PoolSegment(Path directory, String pool, SegmentConfig config, SegmentSpace space, WorkerUser user) {
        this.directory = directory;
        this.pool = pool;
        this.config = config;
        this.space = space;
        this.user = user;
    }

    /** Creates the pool's first segment in {@code directory}. */
    static PoolSegment create(Path directory, String pool, SegmentConfig config, SegmentSpace space, WorkerUser user)
            throws IOException {
        PoolSegment pooled = new PoolSegment(directory, pool, config, space, user);
        pooled.createNew();
        return pooled;
    }

    private void createNew() throws IOException {
        space.require(directory, config.memoryConsumption());
        Path path = SegmentFiles.newSegmentPath(directory, pool);
        Segment created;
        try {
            created = Segment.create(path, config);
        } catch (IOException e) {
            Files.deleteIfExists(path);
            if (String.valueOf(e.getMessage()).contains("No space left on device")) {
                // the space went between the check and the write
                throw new IllegalArgumentException(space.shortOfSpace(directory, config.memoryConsumption()), e);
            }
            throw e;
        }
        user.handOver(path);
        fileKey = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        segment = created;
    }

    /** The current segment. */
    @Override
    public Segment get() {
        return segment;
    }

    Path path() {
        return segment.path();
    }

    /**
     * Why the current segment is no longer usable, or null while it is: the file under its path is
     * gone, another file, or shorter than the mapping. (Never touches the mapping, which faults
     * when the file was truncated.)
     */
    String damage() {
        Path path = segment.path();
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            if (!Objects.equals(attributes.fileKey(), fileKey)) {
                return "segment file " + path + " was replaced by another file";
            }
            if (attributes.size() < segment.memoryConsumption()) {
                return "segment file " + path + " was truncated to " + attributes.size() + " bytes (mapped: "
                        + segment.memoryConsumption() + ")";
            }
            return null;
        } catch (NoSuchFileException e) {
            return "segment file " + path + " was deleted";
        } catch (IOException e) {
            return "segment file " + path + " cannot be read: " + e.getMessage();
        }
    }

    /**
     * Replaces the current segment by a new, empty one (a restart: workers compile again); the old
     * mapping is left to the workers still attached to it, and its file removed.
     */
    void renew(String reason) throws IOException {
        Segment old = segment;
        createNew();
        LOG.warn("segment restarted ({}): new segment {}; workers are replaced one by one to attach to it",
                reason, segment.path());
        try {
            old.close();
        } catch (IOException | RuntimeException e) {
            LOG.debug("closing the lost segment: {}", e.toString());
        }
        Path oldPath = old.path();
        try {
            Files.deleteIfExists(oldPath);
        } catch (IOException e) {
            LOG.warn("could not delete the lost segment file {}: {}", oldPath, e.toString());
        }
    }

    /** Deletes the current segment file (at the supervisor's exit). */
    void delete() throws IOException {
        Files.deleteIfExists(segment.path());
    }
}
