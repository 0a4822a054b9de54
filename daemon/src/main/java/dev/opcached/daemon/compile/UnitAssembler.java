package dev.opcached.daemon.compile;

import dev.opcached.protocol.common.DocrootContainment;
import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.unit.CompileUnit;
import dev.opcached.protocol.unit.Dependency;
import dev.opcached.protocol.unit.Sha256;
import dev.opcached.protocol.unit.UnitKey;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Turns a {@link BatchResult} into one {@link CompileUnit} per source that compiled: its classes,
 * the transitive closure of the docroot sources it depends on (each with its stamp, hash and the
 * key of its own unit) and every docroot jar, and its {@link UnitKey}, computed from
 * docroot-relative paths so that the same content under another docroot gets the same keys.
 *
 * <p>The closure, not the direct dependencies, goes into the key and the entry: a class is
 * compiled against the signatures and constants of what it uses, and those were themselves
 * compiled against what they use, so a change anywhere below must reach it. A batch holds every
 * source its files use (javac compiles them from source), so the closure never leaves the batch.
 */
public final class UnitAssembler {
    private final Path root;
    private final String jdkVersion;
    private final List<String> keyOptions;
    private final JarDigests jars = new JarDigests();

    /**
     * @param docroot    the docroot the batches were compiled in
     * @param keyOptions the compiler's options as keys see them ({@link BatchJavac#keyOptions()})
     */
    public UnitAssembler(DocrootContainment docroot, List<String> keyOptions) {
        this(docroot, keyOptions, Runtime.version().toString());
    }

    UnitAssembler(DocrootContainment docroot, List<String> keyOptions, String jdkVersion) {
        this.root = docroot.root();
        this.keyOptions = List.copyOf(keyOptions);
        this.jdkVersion = jdkVersion;
    }

    /**
     * The unit of every source of {@code batch} that compiled, by real path, in path order.
     *
     * @throws IOException when a docroot jar cannot be read to hash it
     */
    public Map<Path, CompileUnit> assemble(BatchResult batch) throws IOException {
        Map<Path, SourceResult> compiled = new HashMap<>();
        for (SourceResult source : batch.compiled()) {
            compiled.put(source.path(), source);
        }
        List<Dependency> jarDependencies = new ArrayList<>();
        List<UnitKey.Input> jarInputs = new ArrayList<>();
        for (Map.Entry<Path, SourceStamp> jar : batch.jars().entrySet()) {
            Sha256 digest = jars.digest(jar.getKey(), jar.getValue());
            jarDependencies.add(new Dependency(Dependency.Kind.JAR, jar.getKey().toString(),
                    jar.getValue().mtimeMillis(), jar.getValue().size(), digest, Sha256.NONE));
            jarInputs.add(new UnitKey.Input(Dependency.Kind.JAR, relative(jar.getKey()), digest));
        }
        Map<Path, Set<Path>> closures = new HashMap<>();
        Map<Path, Sha256> keys = new HashMap<>();
        for (SourceResult source : compiled.values()) {
            Set<Path> closure = closure(source.path(), compiled);
            closures.put(source.path(), closure);
            List<UnitKey.Input> inputs = new ArrayList<>(jarInputs);
            for (Path dependency : closure) {
                inputs.add(new UnitKey.Input(Dependency.Kind.SOURCE, relative(dependency), compiled.get(dependency).hash()));
            }
            keys.put(source.path(), UnitKey.of(jdkVersion, keyOptions, relative(source.path()), source.hash(), inputs));
        }
        Map<Path, CompileUnit> units = new TreeMap<>();
        for (SourceResult source : compiled.values()) {
            List<Dependency> dependencies = new ArrayList<>(jarDependencies);
            for (Path path : closures.get(source.path())) {
                SourceResult dependency = compiled.get(path);
                dependencies.add(new Dependency(Dependency.Kind.SOURCE, path.toString(), dependency.stamp().mtimeMillis(),
                        dependency.stamp().size(), dependency.hash(), keys.get(path)));
            }
            dependencies.sort((a, b) -> a.path().compareTo(b.path()));
            units.put(source.path(), new CompileUnit(source.hash(), keys.get(source.path()), dependencies,
                    source.classes()));
        }
        return Collections.unmodifiableMap(units);
    }

    /** How many times a jar was read to hash it. */
    long jarsHashed() {
        return jars.hashed();
    }

    /** Every source {@code start} reaches through its dependencies, itself excluded. */
    private static Set<Path> closure(Path start, Map<Path, SourceResult> compiled) {
        Set<Path> reached = new TreeSet<>();
        Deque<Path> todo = new ArrayDeque<>(compiled.get(start).dependencies());
        while (!todo.isEmpty()) {
            Path next = todo.pop();
            if (!next.equals(start) && reached.add(next)) {
                SourceResult dependency = compiled.get(next);
                if (dependency == null) {
                    throw new IllegalStateException(start + " compiled against " + next
                            + ", which has no compiled result in its batch");
                }
                todo.addAll(dependency.dependencies());
            }
        }
        return reached;
    }

    private String relative(Path path) {
        return root.relativize(path).toString();
    }
}
