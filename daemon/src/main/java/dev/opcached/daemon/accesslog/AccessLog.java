package dev.opcached.daemon.accesslog;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.opcached.daemon.config.Directives;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.LoggerFactory;

/**
 * A worker's access log ({@code access.log}): one {@link CombinedLogFormat} line a request. With
 * {@code stderr}, through the logger {@value #LOGGER}, to the process's log like any other line
 * (its prefix first; a request costs the line's text and Logback's event); with a file, to that
 * file alone ({@link AccessLogFile}: the line is copied into its buffer, and once the buffers have
 * grown a request allocates nothing). Off, it costs a request one read of {@link #on()}: callers
 * format nothing then. The line is built in a buffer each thread keeps.
 */
public final class AccessLog implements AutoCloseable {
    /** The logger of the lines with {@code stderr}. */
    public static final String LOGGER = "access";
    /** The logger of a file's batches of lines, with no appender but the file's. */
    static final String FILE_LOGGER = LOGGER + ".file";
    /** No line. */
    public static final AccessLog OFF = new AccessLog(null, "-", null, () -> 0, null);

    private final Logger logger;
    private final String worker;
    private final CombinedLogFormat format;
    private final LongSupplier epochMillis;
    private final AccessLogFile file;
    private final FastThreadLocal<StringBuilder> lines = new FastThreadLocal<>() {
        @Override
        protected StringBuilder initialValue() {
            return new StringBuilder(256);
        }
    };

    private AccessLog(Logger logger, String worker, CombinedLogFormat format, LongSupplier epochMillis,
                      AccessLogFile file) {
        this.logger = logger;
        this.worker = worker;
        this.format = format;
        this.epochMillis = epochMillis;
        this.file = file;
    }

    /**
     * The access log {@code config} asks for, of the worker {@code worker}; a file is opened now.
     *
     * @throws IllegalArgumentException when the file cannot be appended to, naming the fix
     */
    public static AccessLog of(Directives config, String worker) {
        if (config.string(Directives.ACCESS_LOG).isEmpty()) {
            return OFF;
        }
        Optional<Path> path = config.accessLogFile();
        AccessLogFile file = path.isPresent()
                ? AccessLogFile.open(path.get(), (Logger) LoggerFactory.getLogger(FILE_LOGGER)) : null;
        return new AccessLog(logger(), worker, new CombinedLogFormat(ZoneId.systemDefault()), System::currentTimeMillis,
                file);
    }

    /** Lines through the logger {@value #LOGGER}, wherever the log configuration sends it (stderr by default). */
    public static AccessLog toLogger(String worker, ZoneId zone, LongSupplier epochMillis) {
        return new AccessLog(logger(), worker, new CombinedLogFormat(zone), epochMillis, null);
    }

    /**
     * The logger, at INFO whatever the root's level: with access.log set, every request has its
     * line, also under {@code -Dopcached.log.level=WARN}.
     */
    private static Logger logger() {
        Logger logger = (Logger) LoggerFactory.getLogger(LOGGER);
        logger.setLevel(Level.INFO);
        return logger;
    }

    /** Makes the {@link Path} of {@code config}'s access log file one this process can append to. */
    public static void requireWritable(Directives config) {
        config.accessLogFile().ifPresent(AccessLogFile::requireWritable);
    }

    /** Whether requests are logged; when not, {@link #log} need not (and should not) be called. */
    public boolean on() {
        return logger != null;
    }

    /**
     * Logs one request (see {@link CombinedLogFormat#append} for the fields).
     *
     * @param elapsedNanos from the request read whole to its answer being handed to the connection
     */
    public void log(String client, String method, String uri, String protocol, int status, long bytes,
                    String referer, String userAgent, long elapsedNanos) {
        if (logger == null) {
            return;
        }
        long micros = elapsedNanos / 1_000;
        StringBuilder line = lines.get();
        line.setLength(0);
        format.append(line, client, method, uri, protocol, status, bytes, referer, userAgent, worker, micros,
                epochMillis.getAsLong() - micros / 1_000);
        if (file != null) {
            file.append(line);
        } else {
            // No arguments: the line is the message as it is, never a pattern ("{}" in a URL stays).
            logger.info(line.toString());
        }
    }

    /** Opens the file again now (SIGUSR1), if there is one. */
    public void reopen() {
        if (file != null) {
            file.reopen();
        }
    }

    /** Writes out what is gathered and closes the file, if any; the worker ends after this. */
    @Override
    public void close() {
        if (file != null) {
            file.close();
        }
    }
}
