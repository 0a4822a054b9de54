package dev.opcached.daemon.config;

import dev.opcached.protocol.config.IniFile;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The configuration file: php.ini / php-fpm.conf style (read by {@link IniFile}); {@code [section]}
 * headers are accepted and ignored, a later line wins over an earlier one.
 */
public final class ConfigFile {
    private ConfigFile() {
    }

    /**
     * The name/value pairs of a file, unchecked (checking is {@link Directives#with}'s).
     *
     * @throws IllegalArgumentException for a line that is not {@code name = value}, with its number
     */
    public static Map<String, String> read(Path file) throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        try {
            for (IniFile.Entry entry : IniFile.read(file)) {
                values.put(entry.name(), entry.value());
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("configuration file " + file + " does not exist");
        }
        return values;
    }
}
