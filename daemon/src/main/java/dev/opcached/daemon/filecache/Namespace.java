package dev.opcached.daemon.filecache;

/**
 * The two kinds of entry the file cache keeps apart: each has its own subdirectory and its own
 * code in the sealed header, so that an entry moved from one to the other is rejected.
 */
public enum Namespace {
    /** Compile units, by unit content key. */
    UNIT(1, "unit"),
    /** Small index records, by source key (their bodies are the caller's). */
    SOURCE(2, "source");

    private final int code;
    private final String directoryName;

    Namespace(int code, String directoryName) {
        this.code = code;
        this.directoryName = directoryName;
    }

    /** The value of the header's NAMESPACE field. */
    public int code() {
        return code;
    }

    /** The subdirectory of the cache directory that holds this namespace's entries. */
    public String directoryName() {
        return directoryName;
    }
}
