package dev.opcached.daemon.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the built-in logback.xml makes of a logged exception whose message a script chose. */
class EscapedThrowableConverterTest {
    private static final String FORGED = "\n2026-12-01T10:00:00.000Z INFO  [1 supervisor] Supervisor - forged";
    /** The start of a log line of the built-in pattern. */
    private static final String LOG_LINE = "\\d{4}-\\d{2}-\\d{2}T.*";

    private final LoggerContext context = new LoggerContext();

    @AfterEach
    void stop() {
        context.stop();
    }

    /** One event through the encoder of the built-in configuration, as the lines it writes. */
    private List<String> logged(Throwable thrown) throws Exception {
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(getClass().getResource("/logback.xml"));
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        @SuppressWarnings("unchecked")
        OutputStreamAppender<ILoggingEvent> stderr = (OutputStreamAppender<ILoggingEvent>) root.getAppender("STDERR");
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), context.getLogger("dev.opcached.daemon.runtime.ScriptRunner"),
                Level.ERROR, "script {} failed", thrown, new Object[] {"/srv/www/a.java"});
        String text = new String(stderr.getEncoder().encode(event), StandardCharsets.UTF_8);
        return Arrays.asList(text.split("\n"));
    }

    @Test
    void aMessageCannotStartALineAndTheTraceIsIndentedUnderItsLogLine() throws Exception {
        IllegalStateException cause = new IllegalStateException("cause" + FORGED);
        RuntimeException thrown = new RuntimeException("boom" + FORGED + "\r\u001b[2J", cause);
        thrown.addSuppressed(new IllegalArgumentException("suppressed" + FORGED));

        List<String> lines = logged(thrown);

        assertThat(lines.get(0)).matches(LOG_LINE).contains("ERROR", "script /srv/www/a.java failed");
        assertThat(lines.subList(1, lines.size())).as("the trace, each line under the log line")
                .isNotEmpty()
                .allSatisfy(line -> assertThat(line).startsWith("\t").doesNotMatch(LOG_LINE))
                .noneMatch(line -> line.contains("\r") || line.contains("\u001b"));
        assertThat(lines).filteredOn(line -> line.matches(LOG_LINE)).hasSize(1);
        assertThat(lines).contains(
                "\tjava.lang.RuntimeException: boom\\n2026-12-01T10:00:00.000Z INFO  [1 supervisor] Supervisor - forged\\r\\u001b[2J",
                "\tCaused by: java.lang.IllegalStateException: cause\\n2026-12-01T10:00:00.000Z INFO  [1 supervisor] Supervisor - forged");
        assertThat(lines).anyMatch(line -> line.startsWith("\tSuppressed: java.lang.IllegalArgumentException: suppressed\\n2026"));
        assertThat(lines).as("the frames keep their own lines")
                .anyMatch(line -> line.startsWith("\tat dev.opcached.daemon.logging.EscapedThrowableConverterTest."));
    }

    @Test
    void aFrameWhoseFileNameHoldsALineBreakIsEscaped() throws Exception {
        RuntimeException thrown = new RuntimeException("boom");
        thrown.setStackTrace(new StackTraceElement[] {
            new StackTraceElement("Script", "run", "a.java" + FORGED, 3)});

        List<String> lines = logged(thrown);

        assertThat(lines).hasSize(3);
        assertThat(lines.get(2)).startsWith("\tat Script.run(a.java\\n2026-12-01T10:00:00.000Z INFO");
    }
}
