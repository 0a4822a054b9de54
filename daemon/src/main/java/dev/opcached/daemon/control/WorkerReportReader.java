package dev.opcached.daemon.control;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The supervisor's end of one worker's report pipe: reads lines on a thread of its own until the
 * worker's stdout closes, hands each report to the listener, ignores the rest. Lines are bounded
 * so that a worker cannot make the supervisor buffer without limit.
 */
public final class WorkerReportReader {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerReportReader.class);
    private static final int MAX_LINE = 1024;

    private WorkerReportReader() {
    }

    /** Starts a daemon thread named after {@code name} (Netty's numbering added) that reads {@code in} to its end. */
    public static Thread start(String name, InputStream in, Consumer<WorkerReport> listener) {
        return start(name, in, listener, () -> { });
    }

    /** The same, running {@code atEnd} once the pipe has closed and its last report was handed on. */
    public static Thread start(String name, InputStream in, Consumer<WorkerReport> listener, Runnable atEnd) {
        Thread thread = new DefaultThreadFactory(name, true).newThread(() -> {
            try {
                read(in, listener);
            } finally {
                atEnd.run();
            }
        });
        thread.start();
        return thread;
    }

    static void read(InputStream in, Consumer<WorkerReport> listener) {
        boolean warned = false;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = reader.read()) >= 0) {
                if (c != '\n') {
                    if (line.length() < MAX_LINE) {
                        line.append((char) c);
                    }
                    continue;
                }
                WorkerReport report = WorkerReport.parse(line.toString());
                line.setLength(0);
                if (report != null) {
                    listener.accept(report);
                } else if (!warned) {
                    warned = true;
                    LOG.debug("ignoring a line on a worker's report pipe that is not a report");
                }
            }
        } catch (IOException closed) {
            // the worker is gone; its exit is handled by the supervisor
        }
    }
}
