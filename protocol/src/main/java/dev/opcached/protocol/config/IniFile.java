package dev.opcached.protocol.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one reader of php.ini / php-fpm.conf style files, for the daemon's configuration and for
 * opcachectl's pools file: {@code name = value} lines under optional {@code [section]} headers;
 * {@code ;} and {@code #} start comment lines, {@code " ;"} a comment after a value; a value in
 * double or single quotes is taken as it stands between them.
 */
public final class IniFile {
    private IniFile() {
    }

    /**
     * One {@code name = value} line.
     *
     * @param section the {@code [section]} it is under, or null before the first header
     * @param line    its line number, for messages
     */
    public record Entry(String section, String name, String value, int line) {
    }

    /**
     * The entries of {@code file}, in file order, unchecked: what the names mean is the caller's.
     *
     * @throws IllegalArgumentException for a line that is neither a header nor {@code name = value}, with its number
     */
    public static List<Entry> read(Path file) throws IOException {
        return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
    }

    /** The entries of {@code text}; {@code source} names it in messages. */
    public static List<Entry> parse(String source, String text) {
        List<Entry> entries = new ArrayList<>();
        String section = null;
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith(";") || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                section = line.substring(1, line.length() - 1).strip();
                continue;
            }
            int equals = line.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException(source + ":" + (i + 1)
                        + ": expected name = value (or a [section] header), got: " + line);
            }
            entries.add(new Entry(section, line.substring(0, equals).strip(), value(line.substring(equals + 1).strip()), i + 1));
        }
        return entries;
    }

    private static String value(String raw) {
        if (raw.length() >= 2 && (raw.startsWith("\"") && raw.endsWith("\"") || raw.startsWith("'") && raw.endsWith("'"))) {
            return raw.substring(1, raw.length() - 1);
        }
        int comment = raw.indexOf(" ;");
        return comment >= 0 ? raw.substring(0, comment).strip() : raw;
    }
}
