package dev.opcached.daemon.logging;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.IThrowableProxy;

/**
 * Logback's {@code %ex}, registered in logback.xml in place of the built-in one: the stack trace
 * keeps its own line structure, but every message (and every name a frame shows) is escaped, so
 * that nothing a script puts in an exception can start a line of its own, and every line of the
 * trace is indented under its log line. Thus only a log line starts at column 0, which is also
 * what the supervisor's relay of a worker's stderr relies on.
 */
public final class EscapedThrowableConverter extends ThrowableProxyConverter {
    /** What starts each line of a trace that would otherwise start at column 0 (its first line, "Caused by: ..."). */
    static final String INDENT = "\t";

    @Override
    protected String throwableProxyToString(IThrowableProxy throwable) {
        String trace = super.throwableProxyToString(EscapedThrowableProxy.of(throwable));
        StringBuilder indented = new StringBuilder(trace.length() + 64);
        int start = 0;
        while (start < trace.length()) {
            int end = trace.indexOf('\n', start);
            end = end < 0 ? trace.length() : end + 1;
            if (trace.charAt(start) != '\t') {
                indented.append(INDENT);
            }
            indented.append(trace, start, end);
            start = end;
        }
        return indented.toString();
    }
}
