package dev.opcached.daemon.compile;

import dev.opcached.protocol.common.DocrootContainment;
import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.unit.CompileUnit;
import dev.opcached.protocol.unit.Dependency;
import dev.opcached.protocol.unit.Sha256;
import dev.opcached.protocol.unit.UnitKey;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a {@link BatchResult} into one {@link CompileUnit} per source that compiled: its classes,
 * the transitive closure of the docroot sources it depends on (each with its stamp, hash and the
 * key of its own unit) and every docroot jar, and its {@link UnitKey}, computed from
 * docroot-relative paths so that the same content under another docroot gets the same keys.
 *
 * <p>The closure, not the direct dependencies, goes into the key and the entry: a class is
 * compiled against the signatures and constants of what it uses, and those were themselves
 * compiled against what they use, so a change anywhere below must reach it. A batch holds every
 * source its files use, compiled or served from its current unit ({@link ServedDependencies}),
 * so the closure never leaves the batch. A served unit brings its recorded closure, its source
 * hash and its unit key: the inputs of a key are relative paths and content hashes only, so a
 * unit's key and records are the same whether its dependencies were compiled or served.
 * Thread-safe; one per docroot, so that each jar is hashed once per stamp.
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
        List<Dependency> jarDependencies = new ArrayList<>();
        List<UnitKey.Input> jarInputs = new ArrayList<>();
        for (Map.Entry<Path, SourceStamp> jar : batch.jars().entrySet()) {
            Sha256 digest = jars.digest(jar.getKey(), jar.getValue());
            jarDependencies.add(new Dependency(Dependency.Kind.JAR, jar.getKey().toString(),
                    jar.getValue().mtimeMillis(), jar.getValue().size(), digest, Sha256.NONE));
            jarInputs.add(new UnitKey.Input(Dependency.Kind.JAR, relative(jar.getKey()), digest));
        }
        List<SourceResult> sources = batch.compiled();
        Map<Path, SourceResult> compiled = new HashMap<>();
        Map<Path, List<Path>> edges = new HashMap<>();
        Map<Path, UnitKey.Input> inputs = new HashMap<>();
        for (SourceResult source : sources) {
            compiled.put(source.path(), source);
            edges.put(source.path(), source.dependencies());
            inputs.put(source.path(), new UnitKey.Input(Dependency.Kind.SOURCE, relative(source.path()), source.hash()));
        }
        // One record per source, shared by every unit whose closure holds it; the served ones as they are held.
        Map<Path, Dependency> asDependency = new HashMap<>();
        List<Path> nodes = new ArrayList<>(compiled.keySet());
        for (CurrentUnits.Current served : batch.served().values()) {
            if (compiled.containsKey(served.path())) {
                continue;
            }
            CompileUnit unit = served.unit();
            nodes.add(served.path());
            edges.put(served.path(), unit.sources().stream().map(d -> Path.of(d.path())).toList());
            inputs.put(served.path(), new UnitKey.Input(Dependency.Kind.SOURCE, relative(served.path()),
                    unit.sourceHash()));
            asDependency.put(served.path(), new Dependency(Dependency.Kind.SOURCE, served.path().toString(),
                    served.stamp().mtimeMillis(), served.stamp().size(), unit.sourceHash(), unit.unitKey()));
        }
        for (Path node : nodes) {
            for (Path dependency : edges.get(node)) {
                if (!inputs.containsKey(dependency)) {
                    throw new IllegalStateException(node + " compiled against " + dependency
                            + ", which has no compiled or served unit in its batch");
                }
            }
        }
        nodes.sort(null);
        Map<Path, List<Path>> closures = DependencyClosure.of(nodes, edges);
        Map<Path, Sha256> keys = new HashMap<>();
        for (SourceResult source : sources) {
            List<UnitKey.Input> keyInputs = new ArrayList<>(jarInputs);
            for (Path dependency : closures.get(source.path())) {
                keyInputs.add(inputs.get(dependency));
            }
            keys.put(source.path(), UnitKey.of(jdkVersion, keyOptions, inputs.get(source.path()).relativePath(),
                    source.hash(), keyInputs));
        }
        for (SourceResult source : sources) {
            asDependency.put(source.path(), new Dependency(Dependency.Kind.SOURCE, source.path().toString(),
                    source.stamp().mtimeMillis(), source.stamp().size(), source.hash(), keys.get(source.path())));
        }
        Map<Path, CompileUnit> units = new TreeMap<>();
        for (SourceResult source : sources) {
            List<Dependency> dependencies = new ArrayList<>(jarDependencies);
            for (Path path : closures.get(source.path())) {
                dependencies.add(asDependency.get(path));
            }
            dependencies.sort(Comparator.comparing(Dependency::path));
            units.put(source.path(), new CompileUnit(source.hash(), keys.get(source.path()), dependencies,
                    source.classes()));
        }
        return Collections.unmodifiableMap(units);
    }

    /** How many times a jar was read to hash it. */
    long jarsHashed() {
        return jars.hashed();
    }

    private String relative(Path path) {
        return root.relativize(path).toString();
    }
}
