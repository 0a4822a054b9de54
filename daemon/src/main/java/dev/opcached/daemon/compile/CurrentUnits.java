package dev.opcached.daemon.compile;

import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.unit.CompileUnit;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a batch asks whether the cache holds a current unit of a docroot source it did not get as
 * a root: one compiled from the file as it is now (same stamp), every input of which is unchanged
 * on disk. Such a unit's class files can stand in for its source ({@link ServedDependencies}).
 */
@FunctionalInterface
public interface CurrentUnits {
    /** No unit is current: every docroot source a batch uses is compiled from source. */
    CurrentUnits NONE = realPath -> null;

    /** A unit the cache holds for the file at {@code path}, whose stamp on disk is {@code stamp}. */
    record Current(Path path, SourceStamp stamp, CompileUnit unit) {
        public Current {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(stamp, "stamp");
            Objects.requireNonNull(unit, "unit");
        }
    }

    /** The current unit of the docroot source at {@code realPath}, or null when there is none. */
    Current find(Path realPath);
}
