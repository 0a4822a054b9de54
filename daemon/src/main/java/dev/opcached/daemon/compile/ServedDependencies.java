package dev.opcached.daemon.compile;

import dev.opcached.protocol.segment.ClassFile;
import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.unit.Dependency;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The docroot sources of one batch that javac reads as class files (from their current units)
 * rather than compiles, and the rule that picks them. A source is served when
 * <ul>
 *   <li>it is not a root of the batch,</li>
 *   <li>{@link CurrentUnits} has a current unit of it, compiled against the docroot jars the batch
 *       has (the same paths, the same stamps), and</li>
 *   <li>every source of that unit's closure is served too, with the unit key the unit recorded:
 *       a current unit compiled against a dependency that is not current (changed, a root, no
 *       longer held, or held in another version) is compiled from source with it.</li>
 * </ul>
 * A unit's dependency list is its whole closure, so the rule needs no walk: one unit's inputs
 * decide it, and a served unit's inputs are served with it, so that what javac reads, and what
 * the batch's units record and workers link, is one consistent set of versions.
 *
 * <p>Each source is decided once per batch, when javac first lists its package (passes after
 * the first see the same decisions), and whatever is not served is compiled from its source:
 * no class file stands in for a source that is not current.
 */
final class ServedDependencies {
    private final CurrentUnits current;
    private final Set<Path> roots;
    private final Map<Path, SourceStamp> jars;
    /** Every source decided so far: its unit when served, empty when compiled from source. */
    private final Map<Path, Optional<CurrentUnits.Current>> decided = new HashMap<>();
    /** The source of every class of a served unit, by binary name. */
    private final Map<String, Path> sourceOfClass = new HashMap<>();

    /**
     * @param current where current units are found
     * @param roots   the batch's roots (compiled from source whatever the cache holds)
     * @param jars    the docroot jars the batch compiles against, with their stamps
     */
    ServedDependencies(CurrentUnits current, Set<Path> roots, Map<Path, SourceStamp> jars) {
        this.current = current;
        this.roots = Set.copyOf(roots);
        this.jars = Map.copyOf(jars);
    }

    /** The unit whose class files stand in for the source at {@code realPath}, or null: compile it. */
    synchronized CurrentUnits.Current served(Path realPath) {
        Optional<CurrentUnits.Current> known = decided.get(realPath);
        if (known != null) {
            return known.orElse(null);
        }
        Map<Path, CurrentUnits.Current> closure = closureOf(realPath);
        if (closure == null) {
            decided.put(realPath, Optional.empty());
            return null;
        }
        closure.forEach((path, unit) -> {
            if (decided.putIfAbsent(path, Optional.of(unit)) == null) {
                for (ClassFile classFile : unit.unit().classes()) {
                    sourceOfClass.putIfAbsent(classFile.binaryName(), path);
                }
            }
        });
        return closure.get(realPath);
    }

    /** The served source that declares the class {@code binaryName}, or null. */
    synchronized Path sourceOfClass(String binaryName) {
        return sourceOfClass.get(binaryName);
    }

    /** Every source served so far, by real path, in path order. */
    synchronized Map<Path, CurrentUnits.Current> all() {
        Map<Path, CurrentUnits.Current> all = new TreeMap<>();
        decided.forEach((path, unit) -> unit.ifPresent(u -> all.put(path, u)));
        return all;
    }

    /** The current units of {@code realPath} and of every source of its closure, or null when the rule refuses. */
    private Map<Path, CurrentUnits.Current> closureOf(Path realPath) {
        CurrentUnits.Current unit = roots.contains(realPath) ? null : current.find(realPath);
        if (unit == null || !compiledAgainstTheseJars(unit)) {
            return null;
        }
        Map<Path, CurrentUnits.Current> closure = new LinkedHashMap<>();
        closure.put(realPath, unit);
        for (Dependency input : unit.unit().sources()) {
            Path path = Path.of(input.path());
            Optional<CurrentUnits.Current> known = decided.get(path);
            CurrentUnits.Current held = known != null ? known.orElse(null)
                    : roots.contains(path) ? null : current.find(path);
            if (held == null || !held.unit().unitKey().equals(input.unitKey())
                    || !input.stampMatches(held.stamp().mtimeMillis(), held.stamp().size())) {
                return null;
            }
            closure.put(path, held);
        }
        return closure;
    }

    /** Whether the unit was compiled against exactly the jars (and versions) this batch has. */
    private boolean compiledAgainstTheseJars(CurrentUnits.Current unit) {
        Map<Path, SourceStamp> recorded = new HashMap<>();
        for (Dependency input : unit.unit().dependencies()) {
            if (input.kind() == Dependency.Kind.JAR) {
                recorded.put(Path.of(input.path()), new SourceStamp(input.mtimeMillis(), input.size()));
            }
        }
        return recorded.equals(jars);
    }
}
