package dev.opcached.protocol.segment;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where segment files live and what they are called:
 * {@code <dir>/<pool>.<pid>.<start ticks>.<random>.seg}, named after the supervisor that made
 * them, each with its activity file ({@code .act}) beside it, in a directory only their owner can enter.
 */
public final class SegmentFiles {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentFiles.class);

    /** Pool names: what may safely stand in a file name. */
    public static final Pattern POOL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    private static final Set<PosixFilePermission> DIRECTORY_MODE = PosixFilePermissions.fromString("rwx------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private SegmentFiles() {
    }

    /**
     * Creates the directory (0700) if needed; refuses one that group or others can enter, or that
     * another user owns (who could then delete or replace our segments).
     */
    public static Path ensureDirectory(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(DIRECTORY_MODE));
        }
        String owner = Files.getOwner(directory).getName();
        String me = System.getProperty("user.name");
        if (!owner.equals(me)) {
            throw new IOException("segment directory " + directory + " belongs to " + owner + ", not to " + me
                    + ": remove it when no pool uses it, or choose another (opcached.segment_dir)");
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(directory);
        if (!DIRECTORY_MODE.containsAll(mode)) {
            throw new IOException("segment directory " + directory + " has mode "
                    + PosixFilePermissions.toString(mode) + "; it must be rwx------ (chmod 700 " + directory + ")");
        }
        return directory;
    }

    /**
     * {@code <pool>.<pid>.<start ticks>.<random>.seg}: the creator's identity, readable before its
     * header is. Names without the ticks (made by layout version 1) still name a pid.
     */
    private static final Pattern SEGMENT_NAME =
            Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}\\.(\\d+)(?:\\.(\\d+))?\\.[0-9a-f]{16}\\.seg");

    /**
     * The creator a file's name records: pid and start ticks (0 for a name of layout version 1,
     * which has no ticks), or null for a name of another form.
     */
    static ProcessIdentity creatorInName(Path file) {
        Matcher matcher = SEGMENT_NAME.matcher(file.getFileName().toString());
        if (!matcher.matches()) {
            return null;
        }
        long ticks = matcher.group(2) == null ? 0 : Long.parseLong(matcher.group(2));
        return new ProcessIdentity(Long.parseLong(matcher.group(1)), ticks);
    }

    /** The activity file of the segment at {@code segmentPath}: the same name with {@code .act} for {@code .seg}. */
    public static Path activityPath(Path segmentPath) {
        String name = segmentPath.getFileName().toString();
        String stem = name.endsWith(".seg") ? name.substring(0, name.length() - 4) : name;
        return segmentPath.resolveSibling(stem + ".act");
    }

    /** Deletes a segment file and its activity file, whichever exist. */
    public static void delete(Path segmentPath) throws IOException {
        Files.deleteIfExists(segmentPath);
        Files.deleteIfExists(activityPath(segmentPath));
    }

    /** A fresh, unguessable path for this process's segment of a pool. */
    public static Path newSegmentPath(Path directory, String pool) {
        if (!POOL_NAME.matcher(pool).matches()) {
            throw new IllegalArgumentException("pool name must match " + POOL_NAME + ": pool=" + pool);
        }
        byte[] random = new byte[8];
        RANDOM.nextBytes(random);
        long pid = ProcessHandle.current().pid();
        return directory.resolve(pool + "." + pid + "." + ProcessTable.SYSTEM.startTicks(pid) + "."
                + HexFormat.of().formatHex(random) + ".seg");
    }

    /**
     * Deletes the segments in {@code directory} whose creator has exited (a supervisor that was
     * killed cannot delete its own). A file named after its creator is judged by its name only: the
     * name is set once and cannot be damaged through the mapping, unlike the header's creator
     * fields. Other files are judged by the header (attach fails with {@code CREATOR_DEAD}).
     * A creator is identified by pid and start time in clock ticks since boot, compared exactly
     * (see {@link ProcessTable}): a file whose creator's pid runs is removed only when that
     * process provably started at another time. A file that cannot be judged is left alone.
     *
     * @return the files deleted
     */
    public static List<Path> removeAbandoned(Path directory) throws IOException {
        return removeAbandoned(directory, ProcessTable.SYSTEM);
    }

    /** {@link #removeAbandoned(Path)}, judging liveness by {@code processes}. */
    static List<Path> removeAbandoned(Path directory, ProcessTable processes) throws IOException {
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            return removed;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.seg")) {
            for (Path file : files) {
                if (abandoned(file, processes) && Files.deleteIfExists(file)) {
                    Files.deleteIfExists(activityPath(file));
                    LOG.info("removed abandoned segment {}", file);
                    removed.add(file);
                }
            }
        }
        // An activity file whose segment is gone (its creator died between deleting the two).
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.act")) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                Path segment = file.resolveSibling(name.substring(0, name.length() - 4) + ".seg");
                ProcessIdentity named = creatorInName(segment);
                if (named != null && !Files.exists(segment) && !named.aliveIn(processes) && Files.deleteIfExists(file)) {
                    LOG.info("removed abandoned activity file {}", file);
                    removed.add(file);
                }
            }
        }
        return removed;
    }

    private static boolean abandoned(Path file, ProcessTable processes) {
        ProcessIdentity named = creatorInName(file);
        if (named != null) {
            return !named.aliveIn(processes);
        }
        try {
            Segment.attach(file, EpochClock.SYSTEM, processes, SegmentAccess.OBSERVER).close();
            return false;
        } catch (SegmentAttachException e) {
            return e.failure() == SegmentAttachException.Failure.CREATOR_DEAD;
        } catch (IOException | RuntimeException e) {
            // One file that cannot be judged must not stop a pool's start: leave it, say why.
            LOG.warn("segment {}: left alone, cannot tell whether its creator lives: {}", file, e.toString());
            return false;
        }
    }
}
