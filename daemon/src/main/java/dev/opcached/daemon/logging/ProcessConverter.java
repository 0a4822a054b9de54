package dev.opcached.daemon.logging;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * Logback converter {@code %process}: this process's pid and role ("supervisor", or the worker id
 * given by the {@code opcached.worker} system property), so that every line of a pool's journal
 * says which process wrote it.
 */
public final class ProcessConverter extends ClassicConverter {
    /** System property naming this process's role; the supervisor sets it for each worker it starts. */
    public static final String ROLE_PROPERTY = "opcached.worker";

    private static final String PROCESS = ProcessHandle.current().pid() + " "
            + System.getProperty(ROLE_PROPERTY, "supervisor");

    @Override
    public String convert(ILoggingEvent event) {
        return PROCESS;
    }
}
