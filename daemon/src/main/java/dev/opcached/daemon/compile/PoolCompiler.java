package dev.opcached.daemon.compile;

import java.nio.file.Path;
import java.util.List;

/**
 * Compiles for the whole pool: puts the current version of each file, and of the docroot sources
 * it is compiled against that are not current, into the pool's segment (the pool's one writer of
 * entries), or says per file why not; and drops an entry a worker found unusable. One implementation compiles in this process (the compiler
 * process, and {@code opcached run}); the other asks the pool's compiler process over its local
 * channel (workers and the admin side).
 */
public interface PoolCompiler {
    /** Receives each file's outcome as soon as it is known, before {@link #compile} returns. */
    @FunctionalInterface
    interface Progress {
        Progress NONE = outcome -> { };

        void done(FileOutcome outcome);
    }

    /**
     * Compiles {@code realPaths} (real paths in the docroot), in batches, and reports each file's
     * outcome once; returns them all, in the order asked.
     *
     * @throws CompilerUnavailableException the compiler could not be reached, or did not answer
     *         within {@code deadlineMillis} (a file's missing outcome is never invented)
     */
    List<FileOutcome> compile(List<Path> realPaths, long deadlineMillis, Progress progress)
            throws CompilerUnavailableException;

    /**
     * Invalidates the entry of {@code realPath} that {@code ref} names ({@code CachedEntry#ref()}),
     * if it is still that file's entry: the caller found it unusable (compiled against versions the
     * pool has moved on from, not a compile unit, no longer a regular file). Workers map the
     * segment read-only, so the pool's writer does it for them, once it has checked that claim
     * (docs/compiler-channel.md); a successor stored meanwhile stays.
     *
     * @return whether it was invalidated (false too when the entry is not unusable after all)
     * @throws CompilerUnavailableException no answer within {@code deadlineMillis}
     */
    boolean discard(Path realPath, long ref, long deadlineMillis) throws CompilerUnavailableException;
}
