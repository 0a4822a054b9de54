package dev.opcached.daemon;

import dev.opcached.protocol.segment.SegmentConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The directives the supervisor understands, with OPcache's names, defaults and ranges. An
 * unknown name or a value out of range stops the start with a message naming both.
 */
public final class Directives {
    /** opcache.memory_consumption, MiB: the whole segment. */
    public static final String MEMORY_CONSUMPTION = "opcache.memory_consumption";
    public static final int MEMORY_CONSUMPTION_DEFAULT = 128;
    /** opcache.max_accelerated_files: most scripts (keys) the index holds. */
    public static final String MAX_ACCELERATED_FILES = "opcache.max_accelerated_files";
    public static final int MAX_ACCELERATED_FILES_DEFAULT = 10_000;
    /** opcache.max_wasted_percentage: wasted share at which a full cache restarts. */
    public static final String MAX_WASTED_PERCENTAGE = "opcache.max_wasted_percentage";
    public static final int MAX_WASTED_PERCENTAGE_DEFAULT = 5;

    private static final Map<String, int[]> RANGES = new LinkedHashMap<>();

    static {
        RANGES.put(MEMORY_CONSUMPTION, new int[] {MEMORY_CONSUMPTION_DEFAULT, 8, 2047});
        RANGES.put(MAX_ACCELERATED_FILES, new int[] {MAX_ACCELERATED_FILES_DEFAULT, 200, 1_000_000});
        RANGES.put(MAX_WASTED_PERCENTAGE, new int[] {MAX_WASTED_PERCENTAGE_DEFAULT, 1, 50});
    }

    private final Map<String, Integer> values;

    private Directives(Map<String, Integer> values) {
        this.values = values;
    }

    /** Validates {@code given} against the known directives and fills in defaults. */
    public static Directives resolve(Map<String, String> given) {
        Map<String, Integer> values = new LinkedHashMap<>();
        RANGES.forEach((name, range) -> values.put(name, range[0]));
        given.forEach((name, text) -> {
            int[] range = RANGES.get(name);
            if (range == null) {
                throw new IllegalArgumentException("unknown directive " + name + "; known: " + RANGES.keySet());
            }
            int value;
            try {
                value = Integer.parseInt(text.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + "=" + text + " is not a whole number; allowed "
                        + range[1] + ".." + range[2]);
            }
            if (value < range[1] || value > range[2]) {
                throw new IllegalArgumentException(name + "=" + value + " is out of range; allowed " + range[1] + ".." + range[2]);
            }
            values.put(name, value);
        });
        return new Directives(values);
    }

    public int get(String name) {
        return values.get(name);
    }

    /** The segment these directives describe; memory_consumption counts header and index too, as in OPcache. */
    public SegmentConfig segmentConfig() {
        long bytes = Math.min((long) get(MEMORY_CONSUMPTION) << 20, SegmentConfig.MAX_MEMORY_CONSUMPTION);
        return new SegmentConfig(bytes, get(MAX_ACCELERATED_FILES), get(MAX_WASTED_PERCENTAGE));
    }
}
