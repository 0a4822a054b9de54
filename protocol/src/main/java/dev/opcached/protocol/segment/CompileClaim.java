package dev.opcached.protocol.segment;

/**
 * The answer to "may I compile this key?": one process compiles, the others wait for its store.
 *
 * @param kind       what the caller should do
 * @param ownerPid   for {@link Kind#BUSY}, the process compiling the key
 * @param sinceMillis for {@link Kind#BUSY}, when it started
 */
public record CompileClaim(Kind kind, long ownerPid, long sinceMillis) {
    /** What the caller should do. */
    public enum Kind {
        /** Compile and store; the key is marked as being compiled by this process. */
        OWNER,
        /** Another process stored the key meanwhile: look it up. */
        CACHED,
        /** Another live process is compiling it: wait, or ask again. */
        BUSY,
        /** The index is full: compile without a marker (the store will restart or report full). */
        UNTRACKED
    }

    static final CompileClaim OWNER = new CompileClaim(Kind.OWNER, 0, 0);
    static final CompileClaim CACHED = new CompileClaim(Kind.CACHED, 0, 0);
    static final CompileClaim UNTRACKED = new CompileClaim(Kind.UNTRACKED, 0, 0);

    static CompileClaim busy(long ownerPid, long sinceMillis) {
        return new CompileClaim(Kind.BUSY, ownerPid, sinceMillis);
    }
}
