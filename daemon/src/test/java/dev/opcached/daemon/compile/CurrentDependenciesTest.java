package dev.opcached.daemon.compile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.opcached.daemon.runtime.BufferedResponse;
import dev.opcached.daemon.runtime.CachePolicy;
import dev.opcached.daemon.runtime.ScriptClassPath;
import dev.opcached.daemon.runtime.ScriptRunner;
import dev.opcached.daemon.runtime.ScriptRuntime;
import dev.opcached.daemon.runtime.ScriptSource;
import dev.opcached.daemon.testing.BackdatedSources;
import dev.opcached.daemon.testing.GetRequest;
import dev.opcached.protocol.common.DocrootContainment;
import dev.opcached.protocol.segment.ClassFile;
import dev.opcached.protocol.segment.EpochClock;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentConfig;
import dev.opcached.protocol.segment.SegmentKey;
import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.unit.CompileUnit;
import dev.opcached.protocol.unit.CompileUnitCodec;
import dev.opcached.protocol.unit.Dependency;
import dev.opcached.protocol.unit.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A miss compiles from source only its roots and the docroot sources they use that are not
 * current; javac reads the current ones' class files from their units (a dependency whose own
 * closure is not current, or that is a root, is compiled), and the root's unit records, links
 * and runs against exactly those units. What javac compiled is what each batch has a result for.
 */
class CurrentDependenciesTest {
    @TempDir
    Path dir;
    private Path docroot;
    private Segment segment;
    private ScriptRunner runner;
    private PoolCompiler compiler;
    /** The sources each batch compiled from source, batch after batch. */
    private final List<Set<String>> compiledFromSource = new ArrayList<>();
    private final BackdatedSources sources = new BackdatedSources();

    @BeforeEach
    void start() throws IOException {
        docroot = Files.createDirectories(dir.resolve("www")).toRealPath();
        segment = Segment.create(dir.resolve("test.seg"), new SegmentConfig(16 << 20, 64, 5));
        DocrootContainment containment = new DocrootContainment(docroot);
        DocrootBatchCompiler engine = new DocrootBatchCompiler(containment);
        SourceBatchCompiler recording = (roots, current) -> {
            SourceBatchCompiler.Batch batch = engine.compile(roots, current);
            compiledFromSource.add(batch.sources().keySet().stream().map(p -> docroot.relativize(p).toString())
                    .collect(Collectors.toCollection(TreeSet::new)));
            return batch;
        };
        CachePolicy policy = CachePolicy.singleRun();
        compiler = new LocalPoolCompiler(segment, new ScriptSource(containment), policy,
                EpochClock.SYSTEM, recording);
        runner = new ScriptRunner(new ScriptRuntime(segment, docroot, policy, compiler), true);
    }

    @AfterEach
    void close() throws IOException {
        segment.close();
    }

    private Path write(String relative, String source) throws IOException {
        return sources.write(docroot, relative, source);
    }

    private static String page(String name, String body) {
        return "import dev.opcached.script.*;\nimport lib.*;\n"
                + "public class " + name + " implements Script {\n"
                + "    public void handle(Request request, Response response) throws Exception {\n"
                + "        " + body + "\n    }\n}\n";
    }

    private String run(String name) {
        BufferedResponse response = runner.run(docroot.resolve(name + ".java"), new GetRequest("/" + name + ".java"));
        String body = new String(response.body(), StandardCharsets.UTF_8);
        assertThat(response.status()).as(body).isEqualTo(200);
        return body;
    }

    private Set<String> lastBatch() {
        assertThat(compiledFromSource).as("batches").isNotEmpty();
        return compiledFromSource.get(compiledFromSource.size() - 1);
    }

    private CompileUnit held(String relative) {
        return CompileUnitCodec.decode(segment.peek(SegmentKey.of(docroot.resolve(relative).toString())).copyPayload());
    }

    /**
     * lib/Dep.java: a constant, a nested class and a secondary top-level class in one file; the
     * package has a package-info with an annotation (it compiles to a class file of its own).
     */
    private void library(int version) throws IOException {
        write("lib/package-info.java", "@Deprecated\npackage lib;\n");
        write("lib/Dep.java", "package lib;\npublic class Dep {\n"
                + "    public static final int VERSION = " + version + ";\n"
                + "    public static String describe() { return Aside.text() + Inner.X; }\n"
                + "    public static final class Inner { public static final int X = 7; }\n}\n"
                + "final class Aside { static String text() { return \"aside\"; } }\n");
    }

    @Test
    void aMissCompilesOnlyTheRootWhenWhatItUsesIsCurrentAndTheUnitRunsAgainstThoseUnits() throws Exception {
        library(1);
        write("pageA.java", page("pageA", "response.write(\"a\" + Dep.VERSION + Dep.describe() + Dep.Inner.X);"));
        write("pageB.java", page("pageB", "response.write(\"b\" + Dep.VERSION + Dep.describe() + Dep.Inner.X);"));

        assertThat(run("pageA")).isEqualTo("a1aside77");
        assertThat(lastBatch()).as("javac reads no package-info it does not need").containsExactly("lib/Dep.java",
                "pageA.java");
        // Now the package-info has a unit too (as after a /compile of the tree): its class file
        // stands in for its source like any other's, and pageB still compiles alone.
        assertThat(compiler.compile(List.of(docroot.resolve("lib/package-info.java")), 30_000,
                PoolCompiler.Progress.NONE).get(0).inSegment()).isTrue();

        assertThat(run("pageB")).isEqualTo("b1aside77");
        assertThat(lastBatch()).as("javac compiled the root only").containsExactly("pageB.java");
        Dependency dep = held("pageB.java").sources().stream()
                .filter(d -> d.path().equals(docroot.resolve("lib/Dep.java").toString())).findFirst().orElseThrow();
        assertThat(dep.unitKey()).as("linked against the unit javac read").isEqualTo(held("lib/Dep.java").unitKey());
    }

    @Test
    void aChangedDependencyIsCompiledFromSourceAndOnceCurrentItsNewConstantReachesTheOtherUsersFromItsClassFile()
            throws Exception {
        library(1);
        write("pageA.java", page("pageA", "response.write(\"a\" + Dep.VERSION);"));
        write("pageB.java", page("pageB", "response.write(\"b\" + Dep.VERSION);"));
        assertThat(run("pageA")).isEqualTo("a1");
        assertThat(run("pageB")).isEqualTo("b1");

        library(2);
        assertThat(run("pageB")).isEqualTo("b2");
        assertThat(lastBatch()).as("the stale unit does not stand in for the changed source")
                .contains("pageB.java", "lib/Dep.java");
        assertThat(run("pageA")).as("the constant javac inlined from the new class file").isEqualTo("a2");
        assertThat(lastBatch()).containsExactly("pageA.java");
    }

    @Test
    void aCurrentDependencyWhoseOwnDependencyIsNotHeldIsCompiledFromSourceWithIt() throws Exception {
        write("lib/Base.java", "package lib;\npublic class Base { public static String name() { return \"base\"; } }\n");
        write("lib/Top.java", "package lib;\npublic class Top { public static String name() { return \"top-\" + Base.name(); } }\n");
        write("one.java", page("one", "response.write(\"1\" + Top.name());"));
        write("two.java", page("two", "response.write(\"2\" + Top.name());"));
        assertThat(run("one")).isEqualTo("1top-base");
        assertThat(lastBatch()).containsExactly("lib/Base.java", "lib/Top.java", "one.java");

        // Top's unit is still current on disk, but the unit it was compiled against is gone.
        assertThat(segment.invalidate(SegmentKey.of(docroot.resolve("lib/Base.java").toString()), true)).isTrue();
        assertThat(run("two")).isEqualTo("2top-base");
        assertThat(lastBatch()).containsExactly("lib/Base.java", "lib/Top.java", "two.java");
    }

    /** The engine alone: one docroot, a page using lib/Dep (which uses lib/Base). */
    private final class Engine {
        final BatchJavac javac = new BatchJavac(new DocrootContainment(docroot), ScriptClassPath.of(docroot));
        final UnitAssembler assembler = new UnitAssembler(new DocrootContainment(docroot), javac.keyOptions());

        Engine() throws IOException {
            write("lib/Base.java", "package lib;\npublic class Base { public static final String B = \"base\"; }\n");
            write("lib/Dep.java", "package lib;\npublic class Dep extends Base {\n"
                    + "    public static final int VERSION = 3;\n"
                    + "    public static Base make() { return new Dep(); }\n}\n");
            write("Page.java", "public class Page { int v = lib.Dep.VERSION; String b = lib.Dep.make().B; }\n");
        }

        BatchResult compile(CurrentUnits current, String... roots) throws IOException {
            BatchResult batch = javac.compile(List.of(roots).stream().map(docroot::resolve).toList(), current);
            assertThat(batch.failed()).isEmpty();
            return batch;
        }

        /** Units as a cache holding them would offer them (each file's stamp now). */
        CurrentUnits holding(Map<Path, CompileUnit> units) {
            return path -> units.containsKey(path)
                    ? new CurrentUnits.Current(path, SourceStamp.of(path), units.get(path)) : null;
        }
    }

    private static Set<String> paths(BatchResult batch, Path root) {
        return batch.sources().stream().map(s -> root.relativize(s.path()).toString())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void aUnitComesOutTheSameWhetherItsDependenciesWereCompiledOrReadFromTheirUnits() throws Exception {
        Engine engine = new Engine();
        Map<Path, CompileUnit> fromSource = engine.assembler.assemble(engine.compile(CurrentUnits.NONE, "Page.java"));
        assertThat(fromSource).hasSize(3);

        BatchResult served = engine.compile(engine.holding(fromSource), "Page.java");
        assertThat(paths(served, docroot)).containsExactly("Page.java");
        assertThat(served.served()).containsKeys(docroot.resolve("lib/Dep.java"), docroot.resolve("lib/Base.java"));
        CompileUnit before = fromSource.get(docroot.resolve("Page.java"));
        CompileUnit after = engine.assembler.assemble(served).get(docroot.resolve("Page.java"));
        assertThat(after.unitKey()).isEqualTo(before.unitKey());
        assertThat(after.dependencies()).isEqualTo(before.dependencies());
        assertThat(after.classes()).extracting(ClassFile::binaryName)
                .containsExactlyElementsOf(before.classes().stream().map(ClassFile::binaryName).toList());
        for (int i = 0; i < after.classes().size(); i++) {
            assertThat(after.classes().get(i).bytes()).as("class file bytes").isEqualTo(before.classes().get(i).bytes());
        }
    }

    @Test
    void aFailureRecordsTheServedUnitsWhoseClassFilesItsPassOpenedAndNotTheOthersOfThePackagesItListed()
            throws Exception {
        Engine engine = new Engine();
        List<String> roots = new ArrayList<>(List.of("Page.java"));
        for (int i = 0; i < 5; i++) {
            write("lib/Other" + i + ".java", "package lib;\npublic class Other" + i + " { }\n");
            write("Flat" + i + ".java", "public class Flat" + i + " { }\n");
            roots.add("lib/Other" + i + ".java");
            roots.add("Flat" + i + ".java");
        }
        Map<Path, CompileUnit> units = engine.assembler.assemble(engine.compile(CurrentUnits.NONE,
                roots.toArray(String[]::new)));
        Path broken = write("Broken.java", "public class Broken { int v = lib.Dep.VERSION; int w = missing; }\n");

        BatchResult batch = engine.javac.compile(List.of(broken), engine.holding(units));
        assertThat(batch.served()).as("served to the batch").containsKeys(docroot.resolve("lib/Other0.java"),
                docroot.resolve("Flat0.java"), docroot.resolve("lib/Dep.java"));
        SourceResult failed = batch.source(broken);
        assertThat(failed.failed()).isTrue();
        assertThat(failed.failedPass().sources()).as("what the failure checks")
                .contains(broken, docroot.resolve("lib/Dep.java"), docroot.resolve("lib/Base.java"))
                .doesNotContain(docroot.resolve("lib/Other0.java"), docroot.resolve("Flat0.java"),
                        docroot.resolve("Page.java"));
    }

    @Test
    void aDependencyWhoseClosureHoldsARootIsCompiledAndNoRootIsReadFromAUnit() throws Exception {
        Engine engine = new Engine();
        Map<Path, CompileUnit> fromSource = engine.assembler.assemble(engine.compile(CurrentUnits.NONE, "Page.java"));

        // Base is a root (say, a forced recompile): Dep, compiled against it, is compiled with it.
        BatchResult batch = engine.compile(engine.holding(fromSource), "Page.java", "lib/Base.java");
        assertThat(paths(batch, docroot)).containsExactly("Page.java", "lib/Base.java", "lib/Dep.java");
        assertThat(batch.served()).isEmpty();
    }

    @Test
    void aSecondaryTopLevelClassOfAServedFileIsThatFilesDependency() throws Exception {
        Engine engine = new Engine();
        write("lib/Shapes.java", "package lib;\npublic class Shapes { }\nfinal class Aside { static int n() { return 5; } }\n");
        Map<Path, CompileUnit> shapes = engine.assembler.assemble(engine.compile(CurrentUnits.NONE, "lib/Shapes.java"));
        write("lib/User.java", "package lib;\npublic class User { int n = Aside.n(); }\n");

        BatchResult batch = engine.compile(engine.holding(shapes), "lib/User.java");
        assertThat(paths(batch, docroot)).containsExactly("lib/User.java");
        CompileUnit user = engine.assembler.assemble(batch).get(docroot.resolve("lib/User.java"));
        assertThat(user.sources()).extracting(Dependency::path, Dependency::unitKey)
                .containsExactly(tuple(docroot.resolve("lib/Shapes.java").toString(),
                        shapes.get(docroot.resolve("lib/Shapes.java")).unitKey()));
    }

    @Test
    void aUnitCompiledAgainstOtherJarsIsNotReadFromItsUnit() throws Exception {
        Engine engine = new Engine();
        Map<Path, CompileUnit> fromSource = engine.assembler.assemble(engine.compile(CurrentUnits.NONE, "Page.java"));
        Map<Path, CompileUnit> withAJar = new HashMap<>();
        fromSource.forEach((path, unit) -> {
            List<Dependency> inputs = new ArrayList<>(unit.dependencies());
            inputs.add(new Dependency(Dependency.Kind.JAR, docroot.resolve("vendor/gone.jar").toString(), 1, 1,
                    unit.sourceHash(), Sha256.NONE));
            withAJar.put(path, new CompileUnit(unit.sourceHash(), unit.unitKey(), inputs, unit.classes()));
        });

        BatchResult batch = engine.compile(engine.holding(withAJar), "Page.java");
        assertThat(paths(batch, docroot)).containsExactly("Page.java", "lib/Base.java", "lib/Dep.java");
    }
}
