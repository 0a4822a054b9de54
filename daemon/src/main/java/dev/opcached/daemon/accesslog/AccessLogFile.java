package dev.opcached.daemon.accesslog;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import dev.opcached.daemon.config.Directives;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * The access log's file, written by Logback: a {@link FileAppender} (opened with O_APPEND, one
 * write per line, so that the lines of every worker appending to the file stay whole) behind an
 * {@link AsyncAppender}, so that an event loop hands its line over and never waits for the disk.
 * Once a second the path is checked: when it names another file than the one open (logrotate moved
 * it away and created a new one, or it was removed), the file is opened again, so that rotation
 * needs no signal (though {@link #reopen()} does it at once); {@code copytruncate} needs nothing
 * either, since writes go to the end.
 */
final class AccessLogFile implements AutoCloseable {
    /** Lines waiting for the disk before an event loop waits too (never dropped). */
    static final int QUEUE_LINES = 8192;
    /** How often the path is checked for a rotation. */
    static final long CHECK_MILLIS = 1000;
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(AccessLogFile.class);

    private final Path path;
    private final Logger logger;
    private final FileAppender<ILoggingEvent> file;
    private final AsyncAppender async;
    private final ScheduledExecutorService watch;
    /** The identity (device and inode) of the file open, or null when it is in doubt; the watch's. */
    private Object opened;
    /** A reopen failed, and was logged: the next failure is not. */
    private boolean failing;

    private AccessLogFile(Path path, Logger logger, FileAppender<ILoggingEvent> file, AsyncAppender async) {
        this.path = path;
        this.logger = logger;
        this.file = file;
        this.async = async;
        this.watch = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("access-log", true));
    }

    /**
     * Makes {@code path} a file this process can append to, creating it and the directories
     * missing on the way (0700, as the state directory is made).
     *
     * @throws IllegalArgumentException naming the directive, the file, why, and the fix
     */
    static void requireWritable(Path path) {
        try {
            Files.createDirectories(path.getParent(),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            try (FileChannel ignored = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                // opened: it can be written
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(Directives.ACCESS_LOG + "=" + path + " cannot be appended to (" + e
                    + "): make it (and its directory) writable by the workers' user, or set "
                    + Directives.ACCESS_LOG + "=stderr", e);
        }
    }

    /** Sends {@code logger}'s lines, and only them, to {@code path}, appending. */
    static AccessLogFile open(Path path, Logger logger) {
        return open(path, logger, CHECK_MILLIS);
    }

    /** The same, with the path checked every {@code checkMillis}. */
    static AccessLogFile open(Path path, Logger logger, long checkMillis) {
        requireWritable(path);
        LoggerContext context = logger.getLoggerContext();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%msg%n");
        encoder.start();
        FileAppender<ILoggingEvent> file = new FileAppender<>();
        file.setContext(context);
        file.setName("access-file");
        file.setFile(path.toString());
        file.setAppend(true);
        file.setEncoder(encoder);
        AsyncAppender async = new AsyncAppender();
        async.setContext(context);
        async.setName("access-queue");
        async.setQueueSize(QUEUE_LINES);
        // Logback's default drops INFO events when the queue is 80 % full: a request would go unlogged.
        async.setDiscardingThreshold(0);
        async.setNeverBlock(false);
        async.addAppender(file);
        AccessLogFile log = new AccessLogFile(path, logger, file, async);
        Object before = identity(path);
        file.start();
        if (!file.isStarted()) {
            throw new IllegalArgumentException(Directives.ACCESS_LOG + "=" + path
                    + " cannot be opened for appending; see the log lines above");
        }
        log.opened(before);
        async.start();
        logger.addAppender(async);
        logger.setAdditive(false);
        log.watch.scheduleWithFixedDelay(log::reopenIfMoved, checkMillis, checkMillis, TimeUnit.MILLISECONDS);
        return log;
    }

    /**
     * Records what was opened: the file at the path, when it was the same one before and after
     * the open; else (created by the open, or replaced meanwhile) nothing, so that the next check
     * opens it once more.
     */
    private void opened(Object before) {
        Object after = identity(path);
        opened = before != null && before.equals(after) ? after : null;
    }

    /** Opens the path again when it names another file than the one written to. */
    private void reopenIfMoved() {
        Object current = identity(path);
        if (current == null || !current.equals(opened)) {
            reopen(current);
        }
    }

    /** Opens the path again soon, whatever it names (a SIGUSR1), on the thread of every reopen. */
    void reopen() {
        try {
            watch.execute(() -> reopen(identity(path)));
        } catch (RejectedExecutionException closed) {
            // closed: the worker is ending, nothing is written any more
        }
    }

    /** @param before the identity of the file at the path before this open */
    private void reopen(Object before) {
        try {
            // Under the appender's lock: a line goes wholly to the old file or wholly to the new one.
            file.openFile(path.toString());
            opened(before);
            failing = false;
        } catch (IOException | RuntimeException e) {
            // The old file is still written to; it is tried again at the next check.
            if (!failing) {
                LOG.warn("cannot open the access log {} again: {}; its lines go on to the file it was", path,
                        e.toString());
                failing = true;
            }
        }
    }

    private static Object identity(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /** Writes out the lines still queued (waiting at most a second), then closes the file. */
    @Override
    public void close() {
        watch.shutdownNow();
        logger.detachAppender(async);
        async.stop();
        file.stop();
    }
}
