package dev.opcached.daemon.supervisor;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Passes a worker's stderr (its log lines) on to the supervisor's, line by line, except the notice
 * the JDK prints on its own initial stderr, past any logger, when a worker installs the script exit
 * guard (JEP 411: "WARNING: A terminally deprecated method in java.lang.System has been called" and
 * its three companion lines). That notice is expected, documented, and would otherwise be four
 * unformatted lines without pid or worker in the log at every worker start.
 */
final class WorkerLogRelay {
    /** The JDK 17 notice's lines, each recognised by a prefix and a fragment of its text. */
    private static final List<String> JDK_NOTICE = List.of(
            "WARNING: A terminally deprecated method in java.lang.System has been called",
            "WARNING: System::setSecurityManager has been called by dev.opcached.",
            "WARNING: Please consider reporting this to the maintainers of dev.opcached.",
            "WARNING: System::setSecurityManager will be removed in a future release");
    /** A line longer than this is passed on in pieces rather than held whole. */
    private static final int MAX_LINE = 64 * 1024;

    private WorkerLogRelay() {
    }

    /** Starts a daemon thread that relays {@code in} to {@code out} until the worker closes it. */
    static void start(String name, InputStream in, OutputStream out) {
        new DefaultThreadFactory(name, true).newThread(() -> relay(in, out)).start();
    }

    static void relay(InputStream in, OutputStream out) {
        byte[] line = new byte[MAX_LINE];
        int length = 0;
        try (in) {
            int b;
            while ((b = in.read()) >= 0) {
                line[length++] = (byte) b;
                if (b == '\n' || length == line.length) {
                    pass(line, length, out);
                    length = 0;
                }
            }
            pass(line, length, out);
        } catch (IOException closed) {
            // the worker is gone; its exit is handled by its slot
        }
    }

    private static void pass(byte[] line, int length, OutputStream out) throws IOException {
        if (length == 0 || isJdkNotice(new String(line, 0, length, StandardCharsets.UTF_8))) {
            return;
        }
        synchronized (out) {
            out.write(line, 0, length);
            out.flush();
        }
    }

    static boolean isJdkNotice(String line) {
        for (String notice : JDK_NOTICE) {
            if (line.startsWith(notice)) {
                return true;
            }
        }
        return false;
    }
}
