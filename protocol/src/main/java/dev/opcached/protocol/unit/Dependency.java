package dev.opcached.protocol.unit;

import java.util.Objects;

/**
 * One input a compile unit was compiled against, as it was then: a docroot source (with the key
 * of the unit compiled from it) or a docroot jar ({@code vendor/*.jar}).
 *
 * @param kind        what the input is
 * @param path        its real path (for a source: the segment key of its own entry)
 * @param mtimeMillis its modification time when it was read (what revalidation compares)
 * @param size        its size in bytes when it was read
 * @param contentHash SHA-256 of the bytes that were read
 * @param unitKey     for a source, the content key of the unit compiled from it that this unit
 *                    links against; {@link Sha256#NONE} for a jar
 */
public record Dependency(Kind kind, String path, long mtimeMillis, long size, Sha256 contentHash, Sha256 unitKey) {

    /** The kinds of input. The numbers are the format's. */
    public enum Kind {
        SOURCE(1), JAR(2);

        private final int code;

        Kind(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        public static Kind of(int code) {
            for (Kind kind : values()) {
                if (kind.code == code) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("unknown dependency kind " + code);
        }
    }

    public Dependency {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(contentHash, "contentHash");
        Objects.requireNonNull(unitKey, "unitKey");
        if (kind == Kind.JAR && !unitKey.isNone()) {
            throw new IllegalArgumentException("a jar dependency has no unit key: " + path);
        }
    }

    /** Whether the file still has the stamp it had when it was read (what revalidation asks). */
    public boolean stampMatches(long mtimeMillis, long size) {
        return this.mtimeMillis == mtimeMillis && this.size == size;
    }
}
