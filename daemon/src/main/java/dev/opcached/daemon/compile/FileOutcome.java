package dev.opcached.daemon.compile;

import java.util.List;
import java.util.Objects;

/**
 * What a {@link PoolCompiler} did with one file.
 *
 * @param path        the file's real path, as asked
 * @param status      what happened
 * @param diagnostics javac's errors when {@link Status#FAILED} (file:line: error: message), else
 *                    empty; a one-line reason for {@link Status#NOT_FOUND} and {@link Status#NOT_CACHED}
 * @param unit        when {@link Status#NOT_CACHED}, {@link dev.opcached.protocol.unit.CompileUnitCodec#encodeAll}
 *                    bytes: the file's unit first, then the units of its inputs that the segment
 *                    does not hold (the caller runs them without the segment); else null
 * @param micros      time spent on this file's batch
 */
public record FileOutcome(String path, Status status, List<String> diagnostics, byte[] unit, long micros) {

    /** The outcomes of one file. */
    public enum Status {
        /** Compiled now and stored in the segment. */
        COMPILED,
        /** The segment already held its current version: nothing done. */
        CURRENT,
        /** Loaded from the sealed file cache into the segment without javac. */
        FILE_CACHE,
        /** Does not compile; {@code diagnostics} say why. */
        FAILED,
        /** Compiled but not stored (blacklisted, too large, too new, or the cache is full): {@code unit} holds it. */
        NOT_CACHED,
        /** Not a regular file at that real path in the docroot. */
        NOT_FOUND
    }

    public FileOutcome {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(status, "status");
        diagnostics = List.copyOf(diagnostics);
        if ((status == Status.NOT_CACHED) != (unit != null)) {
            throw new IllegalArgumentException("a unit comes with NOT_CACHED and only then: " + status);
        }
    }

    /** Whether the segment now holds the file's current version. */
    public boolean inSegment() {
        return status == Status.COMPILED || status == Status.CURRENT || status == Status.FILE_CACHE;
    }
}
