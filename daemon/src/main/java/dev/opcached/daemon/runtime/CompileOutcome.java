package dev.opcached.daemon.runtime;

/** What {@link ScriptRuntime#compileIntoCache} did with a script that compiles. */
public enum CompileOutcome {
    /** The segment holds the script's current version (stored now, or already there). */
    CACHED,
    /** Compiled, but the segment does not hold it (blacklisted, too big, too new, or the cache is full). */
    NOT_CACHED
}
