package dev.opcached.client;

import dev.opcached.protocol.admin.AdminMessages;

/**
 * Receives the lines of a streamed {@code POST /compile} as they arrive, on the calling thread, in
 * order: {@link #started} once, then {@link #file} once per file (with {@link #progress} while the
 * server has nothing new to say). The summary is what {@link OpcachedClient#compile(java.util.List,
 * CompileListener)} returns.
 */
public interface CompileListener {
    /** Every line exactly as the server sent it, the summary included, before its typed callback (to pass them on). */
    default void line(String json) {
    }

    /** The first line: how many file lines follow. */
    default void started(AdminMessages.CompileStart start) {
    }

    /** One file's outcome. */
    void file(AdminMessages.CompileFile file);

    /** Files done so far, sent while a batch compiles and no file's outcome has come for a while. */
    default void progress(AdminMessages.CompileProgress progress) {
    }
}
