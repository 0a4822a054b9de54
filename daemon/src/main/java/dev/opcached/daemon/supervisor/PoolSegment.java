package dev.opcached.daemon.supervisor;

import dev.opcached.protocol.segment.EpochClock;
import dev.opcached.protocol.segment.RestartReason;
import dev.opcached.protocol.segment.RestartRecord;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentConfig;
import dev.opcached.protocol.segment.SegmentFiles;
import dev.opcached.protocol.segment.SegmentStatistics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's segment as the supervisor holds it: the current file and mapping, its care once a
 * second while the file is intact ({@link Segment#intact()}), and its replacement by a new one
 * when it is not, which carries the pool's counters over from the last statistics read.
 */
final class PoolSegment implements Supplier<Segment> {
    private static final Logger LOG = LoggerFactory.getLogger(PoolSegment.class);

    private final Path directory;
    private final String pool;
    private final SegmentConfig config;
    private final SegmentSpace space;
    private final WorkerUser user;
    private volatile Segment segment;
    /** Read at the creation and at each care of an intact segment: what a replacement starts from. */
    private volatile SegmentStatistics lastStatistics;
    /** The restart log, read with {@link #lastStatistics}: a replacement's history goes on from it. */
    private volatile List<RestartRecord> lastRestartLog = List.of();

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
        pooled.createNew(null, List.of(), RestartReason.NONE);
        return pooled;
    }

    private void createNew(SegmentStatistics carriedOver, List<RestartRecord> carriedLog, RestartReason reason)
            throws IOException {
        space.require(directory, config.memoryConsumption());
        Path path = SegmentFiles.newSegmentPath(directory, pool);
        Segment created;
        try {
            created = Segment.create(path, config, EpochClock.SYSTEM, carriedOver, carriedLog, reason);
        } catch (IOException e) {
            SegmentFiles.delete(path);
            if (String.valueOf(e.getMessage()).contains("No space left on device")) {
                // the space went between the check and the write
                throw new IllegalArgumentException(space.shortOfSpace(directory, config.memoryConsumption()), e);
            }
            throw e;
        }
        user.handOver(path);
        // Its first figures, should it be lost before its first care: never a replacement from nothing.
        lastStatistics = created.statistics();
        lastRestartLog = created.reader().restartLog();
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
     * The once-a-second care of the current segment: heartbeat, pending restarts and repairs, and
     * a snapshot of its statistics for a replacement to carry over. Touches nothing and returns
     * false when its file is lost (deleted, replaced or truncated): then the pool needs {@link #renew()}.
     */
    boolean tend() {
        Segment current = segment;
        if (!current.intact()) {
            return false;
        }
        current.heartbeat();
        current.maintain();
        lastStatistics = current.statistics();
        lastRestartLog = current.reader().restartLog();
        return true;
    }

    /**
     * Replaces the lost segment by a new, empty one that continues the pool's counters and start
     * time and counts a {@link RestartReason#LOST} restart (workers compile again); the old mapping
     * is left to the workers still attached to it, and its file removed.
     */
    void renew() throws IOException {
        Segment old = segment;
        Path oldPath = old.path();
        String lost = !Files.exists(oldPath, LinkOption.NOFOLLOW_LINKS) ? "was deleted"
                : !Files.exists(SegmentFiles.activityPath(oldPath), LinkOption.NOFOLLOW_LINKS)
                ? "lost its activity file" : "was truncated or replaced (or its activity file)";
        LOG.error("segment lost: segment file {} {}", oldPath, lost);
        createNew(lastStatistics, lastRestartLog, RestartReason.LOST);
        LOG.warn("segment restarted ({}): new segment {}; workers are replaced one by one to attach to it",
                RestartReason.LOST.label(), segment.path());
        try {
            old.close();
        } catch (IOException | RuntimeException e) {
            LOG.debug("closing the lost segment: {}", e.toString());
        }
        try {
            SegmentFiles.delete(oldPath);
        } catch (IOException e) {
            LOG.warn("could not delete the lost segment file {}: {}", oldPath, e.toString());
        }
    }

    /** Deletes the current segment file and its activity file (at the supervisor's exit). */
    void delete() throws IOException {
        SegmentFiles.delete(segment.path());
    }
}
