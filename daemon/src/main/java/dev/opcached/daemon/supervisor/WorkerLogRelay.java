package dev.opcached.daemon.supervisor;

import dev.opcached.protocol.common.LogText;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Passes a worker's (or the compiler's, named {@code compiler}) stderr on to the supervisor's, line
 * by line. The worker's own log lines (the
 * built-in pattern's timestamp, level and {@code [PID worker-N]} of that worker) and the indented
 * lines of their stack traces pass as they are. Anything else on that stream (what a script prints
 * to System.out or System.err, which the worker points at stderr, or what the JVM prints) is passed
 * on escaped, behind {@code [PID worker-N stderr] }, so that it can never pose as a log line. The
 * notice the JDK prints when a worker installs the script exit guard (JEP 411: "WARNING: A
 * terminally deprecated method in java.lang.System has been called" and its three companion lines)
 * is dropped: it is expected, documented, and would otherwise be four lines at every worker start.
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
    /** Other output is escaped in pieces of this many characters, each within what LogText escapes whole. */
    private static final int ESCAPED_PIECE = 256;
    /** A control character other than a tab or the line's end: a line holding one is never passed as it is. */
    private static final Pattern CONTROL = Pattern.compile("[\\p{Cc}\u2028\u2029&&[^\t]]");

    /** How the line being relayed is passed on. */
    private enum Kind {
        /** A log line of this worker, or the indented trace under one: as it is. */
        LOG,
        /** Anything else: escaped, behind the worker's stderr prefix. */
        OTHER
    }

    private final Pattern logLine;
    private final String otherPrefix;
    private final OutputStream out;
    /** The kind of the line being passed; null at the start of a line. */
    private Kind current;
    /** The kind of the last whole line: a trace line passes only under a log line. */
    private Kind previous = Kind.OTHER;

    WorkerLogRelay(String worker, long pid, OutputStream out) {
        this.logLine = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(?:Z|[+-]\\d{2}:\\d{2})"
                + " (?:TRACE|DEBUG|INFO|WARN|ERROR) +\\[" + pid + " " + Pattern.quote(worker) + "\\] .*", Pattern.DOTALL);
        this.otherPrefix = "[" + pid + " " + worker + " stderr] ";
        this.out = out;
    }

    /** Starts a daemon thread that relays {@code in}, the stderr of {@code worker} (pid {@code pid}), to {@code out}. */
    static void start(String worker, long pid, InputStream in, OutputStream out) {
        WorkerLogRelay relay = new WorkerLogRelay(worker, pid, out);
        new DefaultThreadFactory(worker + "-log-" + pid, true).newThread(() -> relay.relay(in)).start();
    }

    /** Relays {@code in} until the worker closes it. */
    void relay(InputStream in) {
        byte[] line = new byte[MAX_LINE];
        int length = 0;
        try (in) {
            int b;
            while ((b = in.read()) >= 0) {
                line[length++] = (byte) b;
                if (b == '\n' || length == line.length) {
                    pass(new String(line, 0, length, StandardCharsets.UTF_8));
                    length = 0;
                }
            }
            if (length > 0) {
                pass(new String(line, 0, length, StandardCharsets.UTF_8));
            }
        } catch (IOException closed) {
            // the worker is gone; its exit is handled by its slot
        }
    }

    /** Passes one piece of a line (a whole line, unless it is longer than MAX_LINE). */
    private void pass(String piece) throws IOException {
        boolean ends = piece.endsWith("\n");
        String text = ends ? piece.substring(0, piece.length() - (piece.endsWith("\r\n") ? 2 : 1)) : piece;
        boolean startsLine = current == null;
        if (startsLine) {
            if (isJdkNotice(text)) {
                return;
            }
            current = kindOf(text);
        } else if (current == Kind.LOG && CONTROL.matcher(text).find()) {
            current = Kind.OTHER; // the rest of a long line: escaped from here on
        }
        StringBuilder written = new StringBuilder(text.length() + otherPrefix.length() + 16);
        if (current == Kind.LOG) {
            written.append(text);
        } else {
            if (startsLine) {
                written.append(otherPrefix);
            }
            for (int i = 0; i < text.length(); i += ESCAPED_PIECE) {
                written.append(LogText.escape(text.substring(i, Math.min(text.length(), i + ESCAPED_PIECE))));
            }
        }
        if (ends) {
            written.append('\n');
            previous = current;
            current = null;
        }
        byte[] bytes = written.toString().getBytes(StandardCharsets.UTF_8);
        synchronized (out) {
            out.write(bytes);
            out.flush();
        }
    }

    private Kind kindOf(String line) {
        if (CONTROL.matcher(line).find()) {
            return Kind.OTHER;
        }
        if (logLine.matcher(line).matches()) {
            return Kind.LOG;
        }
        // The trace of a logged exception is indented under its log line (EscapedThrowableConverter).
        return previous == Kind.LOG && line.startsWith("\t") ? Kind.LOG : Kind.OTHER;
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
