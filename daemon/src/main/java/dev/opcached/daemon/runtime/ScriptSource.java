package dev.opcached.daemon.runtime;

import dev.opcached.protocol.common.DocrootContainment;
import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.unit.Dependency;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * A script file as the compile path sees it: a regular file at its own real path inside the
 * docroot (by the {@link DocrootContainment} rule), never followed through a link. A key is a real
 * path resolved when the URL was; a link swapped in since (or a FIFO, or a device) is "not found",
 * not something to compile through.
 */
public final class ScriptSource {
    private final DocrootContainment docroot;

    public ScriptSource(DocrootContainment docroot) {
        this.docroot = docroot;
    }

    /** The file's stamp, not following a link; null when it is missing or not a regular file. */
    public static SourceStamp stamp(Path realPath) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(realPath, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            return attributes.isRegularFile()
                    ? new SourceStamp(attributes.lastModifiedTime().toMillis(), attributes.size()) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The stamp of a file that is still what its key names: a regular file whose real path is the
     * key and lies in the docroot.
     *
     * @throws ScriptException a not-found one otherwise
     */
    public SourceStamp contained(Path realPath) throws ScriptException {
        SourceStamp stamp = stamp(realPath);
        if (stamp == null) {
            throw Files.exists(realPath, LinkOption.NOFOLLOW_LINKS)
                    ? ScriptException.notFound(realPath, "is not a regular file (a link, a directory, a FIFO or a device)")
                    : ScriptException.notFound(realPath);
        }
        try {
            Path now = realPath.toRealPath();
            if (!now.equals(realPath) || !docroot.contains(now)) {
                throw ScriptException.notFound(realPath, "now resolves to " + now + ", not to itself in the docroot");
            }
        } catch (IOException e) {
            throw ScriptException.notFound(realPath);
        }
        return stamp;
    }

    /**
     * Whether an input of a unit still has the stamp it had when it was compiled: a source by the
     * stamp of the file itself (not following a link, as it was read), a jar by the stamp of what a
     * link to it names (javac and the class loader read jars through links).
     */
    public static boolean unchanged(Dependency input) {
        SourceStamp now = input.kind() == Dependency.Kind.JAR ? SourceStamp.of(Path.of(input.path()))
                : stamp(Path.of(input.path()));
        return now != null && input.stampMatches(now.mtimeMillis(), now.size());
    }

    /** Whether every one of {@code inputs} is {@link #unchanged(Dependency)}. */
    public static boolean unchanged(List<Dependency> inputs) {
        for (Dependency input : inputs) {
            if (!unchanged(input)) {
                return false;
            }
        }
        return true;
    }

    /** The file's bytes, read without following a link. */
    public static byte[] read(Path realPath) throws ScriptException {
        try (InputStream in = Files.newInputStream(realPath, LinkOption.NOFOLLOW_LINKS)) {
            return in.readAllBytes();
        } catch (NoSuchFileException e) {
            throw ScriptException.notFound(realPath);
        } catch (IOException e) {
            // ELOOP: the file became a link since it was checked.
            if (!Files.isRegularFile(realPath, LinkOption.NOFOLLOW_LINKS)) {
                throw ScriptException.notFound(realPath);
            }
            throw new ScriptException(realPath + ": cannot read: " + e, e);
        }
    }
}
