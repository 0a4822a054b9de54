package dev.opcached.daemon.config;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The configuration file: php.ini / php-fpm.conf style {@code name = value} lines; {@code ;} and
 * {@code #} start comments; values may be quoted; {@code [section]} headers are accepted and ignored.
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
        String text;
        try {
            text = Directives.readText(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("configuration file " + file + " does not exist");
        }
        Map<String, String> values = new LinkedHashMap<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith(";") || line.startsWith("#")
                    || (line.startsWith("[") && line.endsWith("]"))) {
                continue;
            }
            int equals = line.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": expected name = value, got: " + line);
            }
            String name = line.substring(0, equals).strip();
            String value = line.substring(equals + 1).strip();
            if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
                    || value.startsWith("'") && value.endsWith("'"))) {
                value = value.substring(1, value.length() - 1);
            } else {
                int comment = value.indexOf(" ;");
                if (comment >= 0) {
                    value = value.substring(0, comment).strip();
                }
            }
            values.put(name, value);
        }
        return values;
    }
}
