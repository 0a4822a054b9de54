package dev.opcached.daemon.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * opcache.blacklist_filename: one path a line, matched as a prefix of the script's real path,
 * {@code *} matching any run of characters; lines starting with {@code ;} are comments.
 */
public final class Blacklist {
    /** Blacklists nothing. */
    public static final Blacklist EMPTY = new Blacklist(List.of(), List.of());

    private final List<String> entries;
    private final List<Pattern> patterns;

    private Blacklist(List<String> entries, List<Pattern> patterns) {
        this.entries = entries;
        this.patterns = patterns;
    }

    /** Reads a blacklist file; an empty name means none. */
    public static Blacklist read(String file) throws IOException {
        if (file == null || file.isBlank()) {
            return EMPTY;
        }
        List<String> entries = new ArrayList<>();
        List<Pattern> patterns = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(file))) {
            String entry = line.strip();
            if (entry.isEmpty() || entry.startsWith(";")) {
                continue;
            }
            entries.add(entry);
            StringBuilder regex = new StringBuilder();
            for (String part : entry.split("\\*", -1)) {
                if (regex.length() > 0) {
                    regex.append(".*");
                }
                regex.append(Pattern.quote(part));
            }
            patterns.add(Pattern.compile(regex + ".*", Pattern.DOTALL));
        }
        return new Blacklist(List.copyOf(entries), List.copyOf(patterns));
    }

    public boolean matches(String realPath) {
        for (Pattern pattern : patterns) {
            if (pattern.matcher(realPath).matches()) {
                return true;
            }
        }
        return false;
    }

    /** The lines, as opcache_get_configuration()['blacklist'] lists them. */
    public List<String> entries() {
        return entries;
    }
}
