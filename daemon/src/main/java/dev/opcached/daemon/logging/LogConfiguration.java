package dev.opcached.daemon.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/** Applies the operator's logback.xml (opcached.log_config) in place of the built-in one. */
public final class LogConfiguration {
    private LogConfiguration() {
    }

    /** Reconfigures logging from {@code file}; nothing when it is empty. */
    public static void apply(String file) {
        if (file == null || file.isEmpty()) {
            return;
        }
        Path path = Path.of(file);
        if (!Files.isReadable(path)) {
            throw new IllegalArgumentException("opcached.log_config=" + file + " is not a readable file");
        }
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try {
            configurator.doConfigure(path.toFile());
        } catch (JoranException e) {
            throw new IllegalArgumentException("opcached.log_config=" + file + " is not a valid logback configuration: "
                    + e.getMessage(), e);
        }
    }
}
