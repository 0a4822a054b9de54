package dev.opcached.daemon.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The compiler's warm-up: javac batches, then a reset's checks and file-cache loads in a scratch segment, and nothing left behind. */
class JavacWarmupTest {
    @TempDir
    Path temporary;

    @Test
    void warmsJavacAndAResetsLoadsWithoutAFailureAndLeavesNoFiles() throws Exception {
        Logger log = (Logger) LoggerFactory.getLogger(JavacWarmup.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        log.addAppender(events);
        try {
            JavacWarmup.run(temporary);
        } finally {
            log.detachAppender(events);
        }
        assertThat(events.list).noneMatch(event -> event.getLevel().isGreaterOrEqual(Level.WARN));
        assertThat(events.list).anyMatch(event -> event.getFormattedMessage().startsWith("javac warmed up in "));
        try (Stream<Path> left = Files.list(temporary)) {
            assertThat(left).isEmpty();
        }
    }
}
