package dev.opcached.daemon.compile;

import dev.opcached.daemon.runtime.ScriptSource;
import dev.opcached.protocol.segment.SourceStamp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * What one javac pass depended on, in a form that a stat per input checks: the docroot sources
 * whose text it read and those whose current units' class files it opened instead, with their
 * closures (each with its stamp from before it was read), the docroot directories it listed to
 * look classes up, and the jars on its class path. A file added, removed or renamed in a directory changes that
 * directory's modification time, so that a class javac looked for and did not find, and might
 * find now, shows as a changed directory. While every input is unchanged, the pass would fail
 * again the same way: what {@link RememberedOutcomes} serves a failure for.
 *
 * <p>Nothing outside the docroot is recorded but the jars: the sources are the ones the docroot
 * file manager let through, the directories are the source path's package directories.
 */
public final class PassInputs {
    private final Map<Path, SourceStamp> sources;
    private final Map<Path, SourceStamp> jars;
    private final Map<Path, DirectoryStamp> directories;
    private final long takenAfterMillis;

    /**
     * @param sources     docroot sources read or served, with their stamps before the read
     *                    (checked without following a link, as they were read)
     * @param jars        the class path's jars, with their stamps (through links, as javac reads them)
     * @param directories the directories listed, each with its stamp from before its first listing
     * @param takenAfterMillis a wall-clock time no stamp was taken before (the batch's start)
     */
    PassInputs(Map<Path, SourceStamp> sources, Map<Path, SourceStamp> jars, Map<Path, DirectoryStamp> directories,
               long takenAfterMillis) {
        this.sources = Map.copyOf(sources);
        this.jars = Map.copyOf(jars);
        this.directories = Map.copyOf(directories);
        this.takenAfterMillis = takenAfterMillis;
    }

    /**
     * These inputs and {@code directory}, whose stamp {@code stamp} was taken before it was looked
     * at, and not before {@code takenAfterMillis}.
     */
    PassInputs withDirectory(Path directory, DirectoryStamp stamp, long takenAfterMillis) {
        Map<Path, DirectoryStamp> more = new HashMap<>(directories);
        more.putIfAbsent(directory, stamp);
        return new PassInputs(sources, jars, more, Math.min(this.takenAfterMillis, takenAfterMillis));
    }

    /**
     * Whether a stamp may have been taken in the same clock tick as a change it does not show
     * ("racy", as git calls it): {@code own} (the failed file's stamp, taken no earlier than these
     * inputs' batch began) or any recorded mtime lies within {@code marginMillis} of when the
     * stamps were taken, or after. A file system stamps mtimes from a coarse clock (a kernel tick;
     * a second or two on some file systems), so that a file written, or added to a directory, in
     * the tick a stamp was taken in may leave that stamp as it was: such inputs cannot tell that
     * nothing changed.
     */
    boolean racy(SourceStamp own, long marginMillis) {
        long after = takenAfterMillis - marginMillis;
        if (own != null && own.mtimeMillis() > after) {
            return true;
        }
        for (SourceStamp source : sources.values()) {
            if (source.mtimeMillis() > after) {
                return true;
            }
        }
        for (SourceStamp jar : jars.values()) {
            if (jar.mtimeMillis() > after) {
                return true;
            }
        }
        for (DirectoryStamp directory : directories.values()) {
            if (directory.modified() != null && directory.modified().toMillis() > after) {
                return true;
            }
        }
        return false;
    }

    /** Whether every input still has its stamp: one stat each, no file read. */
    boolean unchanged() {
        for (Map.Entry<Path, SourceStamp> source : sources.entrySet()) {
            if (!source.getValue().equals(ScriptSource.stamp(source.getKey()))) {
                return false;
            }
        }
        for (Map.Entry<Path, SourceStamp> jar : jars.entrySet()) {
            if (!jar.getValue().equals(SourceStamp.of(jar.getKey()))) {
                return false;
            }
        }
        for (Map.Entry<Path, DirectoryStamp> directory : directories.entrySet()) {
            if (!directory.getValue().equals(DirectoryStamp.of(directory.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** The docroot sources recorded, read or served. */
    Set<Path> sources() {
        return sources.keySet();
    }

    /** How many stats {@link #unchanged()} takes at most. */
    int size() {
        return sources.size() + jars.size() + directories.size();
    }

    @Override
    public String toString() {
        return sources.size() + " sources, " + jars.size() + " jars, " + directories.size() + " directories";
    }

    /**
     * A directory's modification time, to the file system's precision (not cut to milliseconds:
     * a change within the same millisecond shows where the file system keeps finer times; one in
     * the same tick of a coarse clock does not, which {@link #racy} is for), and its identity (a
     * directory renamed into its place is another one); {@link #ABSENT} when there is no
     * directory there.
     */
    record DirectoryStamp(FileTime modified, Object fileKey) {
        /** No directory at that path (nothing there, or a file of another kind). */
        static final DirectoryStamp ABSENT = new DirectoryStamp(null, null);

        /** The stamp of {@code directory} now, through links (as javac lists it). */
        static DirectoryStamp of(Path directory) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(directory, BasicFileAttributes.class);
                return attributes.isDirectory() ? new DirectoryStamp(attributes.lastModifiedTime(),
                        attributes.fileKey()) : ABSENT;
            } catch (IOException e) {
                return ABSENT;
            }
        }
    }
}
