package dev.opcached.daemon.admin;

import java.util.function.Consumer;

/**
 * An answer a call sends as JSON lines (application/x-ndjson) while it computes it, instead of one
 * object at the end. A call returns one after everything that can fail as a whole (a bad request)
 * has been checked: once the first line is out, the status is 200 and only lines can say more.
 */
interface StreamedAnswer {
    /**
     * Computes the answer on the call's executor, handing each line to {@code lines} as soon as it
     * is known (from any thread, one at a time); returns the last line.
     */
    Object produce(Consumer<Object> lines);

    /** A line saying the work goes on, sent when no other line has been sent for a while (callable from any thread). */
    Object stillWorking();
}
