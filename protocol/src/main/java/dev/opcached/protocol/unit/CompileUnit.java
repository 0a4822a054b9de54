package dev.opcached.protocol.unit;

import dev.opcached.protocol.segment.ClassFile;
import java.util.List;
import java.util.Objects;

/**
 * What one cache entry holds: the classes compiled from one source file, and every input they were
 * compiled against, so that a worker can define them only together with those exact versions and
 * revalidation can tell when any input changed. {@link CompileUnitCodec} is its byte form, the
 * entry payload of segment layout version 4 (and the body of a file-cache entry).
 *
 * @param sourceHash   SHA-256 of the source bytes the classes were compiled from
 * @param unitKey      the content key ({@link UnitKey}): same inputs, same key, wherever the file lives
 * @param dependencies every docroot source (the transitive closure of what the classes refer to,
 *                     the file itself excluded) and every docroot jar on the class path, in path
 *                     order
 * @param classes      the class files declared in this source file
 */
public record CompileUnit(Sha256 sourceHash, Sha256 unitKey, List<Dependency> dependencies, List<ClassFile> classes) {
    public CompileUnit {
        Objects.requireNonNull(sourceHash, "sourceHash");
        Objects.requireNonNull(unitKey, "unitKey");
        dependencies = List.copyOf(dependencies);
        classes = List.copyOf(classes);
    }

    /** The source dependencies only. */
    public List<Dependency> sources() {
        return dependencies.stream().filter(d -> d.kind() == Dependency.Kind.SOURCE).toList();
    }
}
