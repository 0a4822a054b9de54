package dev.opcached.daemon.accesslog;

import ch.qos.logback.classic.Level;
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
 * The access log's file. Callers (the event loops) append their lines to a buffer in memory; a
 * thread of its own hands what has gathered to Logback every {@value #WRITE_MILLIS} ms as one
 * event, which a {@link FileAppender} writes with one write of whole lines to the file opened with
 * O_APPEND: the lines of every worker appending to the file stay whole, and an event loop never
 * waits for the disk, nor wakes a thread per line (Logback's AsyncAppender did, which cost a
 * quarter of a small script's throughput on 2 cores). Once a second the path is checked: when it
 * names another file than the one open (logrotate moved it away and created a new one, or it was
 * removed), the file is opened again, so that rotation needs no signal ({@link #reopen()} does it
 * at once); {@code copytruncate} needs nothing either, since writes go to the end.
 */
final class AccessLogFile implements AutoCloseable {
    /** How often the gathered lines are written. */
    static final long WRITE_MILLIS = 50;
    /** How often the path is checked for a rotation. */
    static final long CHECK_MILLIS = 1000;
    /** Characters gathered before a caller waits for the write (the disk stalled): no line is dropped. */
    static final int MAX_PENDING = 1 << 20;
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(AccessLogFile.class);

    private final Path path;
    private final Logger logger;
    private final FileAppender<ILoggingEvent> file;
    private final ScheduledExecutorService writer;
    /** Guards {@link #pending}. */
    private final Object lock = new Object();
    /** Whole lines, each with its line end, not yet written. */
    private StringBuilder pending = new StringBuilder(8192);
    /** The writer's: the lines being written, empty otherwise. */
    private StringBuilder writing = new StringBuilder(8192);
    /** The identity (device and inode) of the file open, or null when it is in doubt; the writer's. */
    private Object opened;
    /** A reopen failed, and was logged: the next failure is not. The writer's. */
    private boolean failing;

    private AccessLogFile(Path path, Logger logger, FileAppender<ILoggingEvent> file) {
        this.path = path;
        this.logger = logger;
        this.file = file;
        this.writer = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("access-log", true));
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

    /** Opens {@code path} for appending, its lines written through {@code logger} (which gets no other appender). */
    static AccessLogFile open(Path path, Logger logger) {
        return open(path, logger, CHECK_MILLIS);
    }

    /** The same, with the path checked every {@code checkMillis}. */
    static AccessLogFile open(Path path, Logger logger, long checkMillis) {
        requireWritable(path);
        LoggerContext context = logger.getLoggerContext();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        // The event is a batch of lines, each with its line end.
        encoder.setPattern("%msg");
        encoder.start();
        FileAppender<ILoggingEvent> file = new FileAppender<>();
        file.setContext(context);
        file.setName("access-log-file");
        file.setFile(path.toString());
        file.setAppend(true);
        file.setEncoder(encoder);
        AccessLogFile log = new AccessLogFile(path, logger, file);
        Object before = identity(path);
        file.start();
        if (!file.isStarted()) {
            throw new IllegalArgumentException(Directives.ACCESS_LOG + "=" + path
                    + " cannot be opened for appending; see the log lines above");
        }
        log.opened(before);
        logger.setLevel(Level.INFO);
        logger.setAdditive(false);
        logger.addAppender(file);
        log.writer.scheduleWithFixedDelay(log::write, WRITE_MILLIS, WRITE_MILLIS, TimeUnit.MILLISECONDS);
        log.writer.scheduleWithFixedDelay(log::reopenIfMoved, checkMillis, checkMillis, TimeUnit.MILLISECONDS);
        return log;
    }

    /**
     * Adds one line (without its line end) to those the next write takes; waits only when
     * {@link #MAX_PENDING} characters are already waiting.
     */
    void append(CharSequence line) {
        synchronized (lock) {
            while (pending.length() >= MAX_PENDING) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            pending.append(line).append('\n');
        }
    }

    /** Writes what has gathered, as one event; the writer's. */
    private void write() {
        synchronized (lock) {
            if (pending.isEmpty()) {
                return;
            }
            StringBuilder full = pending;
            pending = writing;
            writing = full;
            lock.notifyAll();
        }
        try {
            logger.info(writing.toString());
        } finally {
            writing.setLength(0);
        }
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

    /** Opens the path again soon, whatever it names (a SIGUSR1), on the writer's thread. */
    void reopen() {
        try {
            writer.execute(() -> reopen(identity(path)));
        } catch (RejectedExecutionException closed) {
            // closed: the worker is ending, nothing is written any more
        }
    }

    /** @param before the identity of the file at the path before this open */
    private void reopen(Object before) {
        // What gathered before the rotation goes to the file it was meant for.
        write();
        try {
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

    /** Writes out the lines gathered, then closes the file. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            if (!writer.awaitTermination(10, TimeUnit.SECONDS)) {
                // A write stuck on the disk: the lines after it cannot go anywhere.
                LOG.warn("the access log's writer did not finish within 10 s; the lines not yet written to {}"
                        + " are lost", path);
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        write();
        logger.detachAppender(file);
        file.stop();
    }
}
