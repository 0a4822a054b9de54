package dev.opcached.daemon.config;

import java.util.Locale;

/**
 * One configuration directive: its name (OPcache's or PHP-FPM's where one fits), type, default,
 * allowed range and meaning. {@link Directives} lists them all; {@code docs/configuration.md}
 * documents each.
 */
public record Directive(String name, Type type, String defaultValue, long min, long max, String description) {
    /** How a value is written and checked. */
    public enum Type {
        /** A whole number within [min, max]. */
        INTEGER,
        /** 0/1, on/off, true/false, yes/no. */
        BOOLEAN,
        /** Bytes, with an optional K, M or G suffix (as php.ini), within [min, max]. */
        SIZE,
        /** Free text (a path, an address); empty allowed. */
        STRING,
        /** host:port. */
        ADDRESS,
        /**
         * Where a log goes: {@code stderr}, a file, or empty for nowhere; the booleans it once was
         * still read as before (1/on/true/yes = stderr, 0/off/false/no = nowhere).
         */
        LOG_DESTINATION
    }

    /** {@link Type#LOG_DESTINATION}'s value for the process's standard error. */
    public static final String STDERR = "stderr";

    /**
     * The canonical form of {@code text} for this directive.
     *
     * @throws IllegalArgumentException naming the directive, the value and what is allowed
     */
    public String normalise(String text) {
        String value = text.trim();
        switch (type) {
            case INTEGER -> {
                return Long.toString(inRange(parseWhole(value), value));
            }
            case SIZE -> {
                return Long.toString(inRange(parseSize(value), value));
            }
            case BOOLEAN -> {
                return switch (value.toLowerCase(Locale.ROOT)) {
                    case "1", "on", "true", "yes" -> "1";
                    case "0", "off", "false", "no", "" -> "0";
                    default -> throw invalid(value, "0/1, on/off, true/false or yes/no");
                };
            }
            case ADDRESS -> {
                HostPort.parse(name, value);
                return value;
            }
            case LOG_DESTINATION -> {
                return switch (value.toLowerCase(Locale.ROOT)) {
                    case STDERR, "1", "on", "true", "yes" -> STDERR;
                    case "0", "off", "false", "no", "" -> "";
                    default -> value;
                };
            }
            default -> {
                return value;
            }
        }
    }

    private long parseWhole(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw invalid(value, "a whole number " + min + ".." + max);
        }
    }

    private long parseSize(String value) {
        if (value.isEmpty()) {
            throw invalid(value, "a size in bytes (K, M and G suffixes allowed) " + min + ".." + max);
        }
        char unit = Character.toUpperCase(value.charAt(value.length() - 1));
        long multiplier = switch (unit) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            default -> 1;
        };
        String digits = multiplier == 1 ? value : value.substring(0, value.length() - 1);
        try {
            return Math.multiplyExact(Long.parseLong(digits.trim()), multiplier);
        } catch (NumberFormatException | ArithmeticException e) {
            throw invalid(value, "a size in bytes (K, M and G suffixes allowed) " + min + ".." + max);
        }
    }

    private long inRange(long value, String text) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + "=" + text + " is out of range; allowed " + min + ".." + max);
        }
        return value;
    }

    private IllegalArgumentException invalid(String value, String allowed) {
        return new IllegalArgumentException(name + "=" + value + " is not valid; allowed: " + allowed);
    }
}
