package dev.opcached.daemon.compile;

import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.unit.CompileUnit;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One javac batch as the pool's compiler needs it: the roots asked for, and every docroot source
 * javac compiled for them, each compiled into a {@link CompileUnit} or failed.
 */
public interface SourceBatchCompiler {
    /**
     * What came of one source file of a batch.
     *
     * @param failedPass when it failed, what the failure holds for ({@link PassInputs}); null when
     *                   it compiled, or when that is not known (a file refused before javac, a
     *                   compiler that could not start, a source that could not be read, roots
     *                   that declared the same class)
     */
    record CompiledSource(Path path, SourceStamp stamp, CompileUnit unit, List<String> diagnostics,
                          PassInputs failedPass) {
        public CompiledSource {
            diagnostics = List.copyOf(diagnostics);
        }

        public boolean failed() {
            return unit == null;
        }
    }

    /** Every source of one batch, by real path, and how long the batch took. */
    record Batch(Map<Path, CompiledSource> sources, long micros) {
        public Batch {
            sources = Map.copyOf(sources);
        }
    }

    /**
     * Compiles {@code roots} (real paths in the docroot) in one batch, with the docroot sources
     * they use that have no current unit in {@code current}; those that have one are read from
     * its class files and are not in the batch.
     */
    Batch compile(List<Path> roots, CurrentUnits current);
}
