package dev.opcached.daemon.logging;

import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import dev.opcached.protocol.common.LogText;

/**
 * A logged throwable as logback sees it, with every text a script can choose escaped: the
 * messages (a script's {@code new RuntimeException(request.param("x"))}), and the class, method
 * and file names of its frames (a script's file name is its own). Causes and suppressed
 * throwables are wrapped as they are asked for.
 */
final class EscapedThrowableProxy implements IThrowableProxy {
    private final IThrowableProxy raw;

    private EscapedThrowableProxy(IThrowableProxy raw) {
        this.raw = raw;
    }

    /** {@code raw} escaped, or null for null. */
    static IThrowableProxy of(IThrowableProxy raw) {
        return raw == null ? null : new EscapedThrowableProxy(raw);
    }

    @Override
    public String getOverridingMessage() {
        String message = raw.getOverridingMessage();
        return message == null ? null : LogText.escape(message);
    }

    @Override
    public String getMessage() {
        String message = raw.getMessage();
        return message == null ? null : LogText.escape(message);
    }

    @Override
    public String getClassName() {
        return LogText.escape(raw.getClassName());
    }

    @Override
    public StackTraceElementProxy[] getStackTraceElementProxyArray() {
        StackTraceElementProxy[] frames = raw.getStackTraceElementProxyArray();
        StackTraceElementProxy[] escaped = new StackTraceElementProxy[frames.length];
        for (int i = 0; i < frames.length; i++) {
            escaped[i] = escaped(frames[i]);
        }
        return escaped;
    }

    /** The frame itself when nothing in it needs escaping (it keeps its packaging data), else an escaped copy. */
    private static StackTraceElementProxy escaped(StackTraceElementProxy frame) {
        StackTraceElement element = frame.getStackTraceElement();
        String text = element.toString();
        if (LogText.escape(text).equals(text)) {
            return frame;
        }
        return new StackTraceElementProxy(new StackTraceElement(escapedOrNull(element.getClassLoaderName()),
                escapedOrNull(element.getModuleName()), escapedOrNull(element.getModuleVersion()),
                LogText.escape(element.getClassName()), LogText.escape(element.getMethodName()),
                escapedOrNull(element.getFileName()), element.getLineNumber()));
    }

    private static String escapedOrNull(String text) {
        return text == null ? null : LogText.escape(text);
    }

    @Override
    public int getCommonFrames() {
        return raw.getCommonFrames();
    }

    @Override
    public IThrowableProxy getCause() {
        return of(raw.getCause());
    }

    @Override
    public IThrowableProxy[] getSuppressed() {
        IThrowableProxy[] suppressed = raw.getSuppressed();
        if (suppressed == null) {
            return null;
        }
        IThrowableProxy[] escaped = new IThrowableProxy[suppressed.length];
        for (int i = 0; i < suppressed.length; i++) {
            escaped[i] = of(suppressed[i]);
        }
        return escaped;
    }

    @Override
    public boolean isCyclic() {
        return raw.isCyclic();
    }
}
