package dev.opcached.daemon.compile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.runtime.ScriptClassPath;
import dev.opcached.daemon.testing.GeneratedApplication;
import dev.opcached.protocol.common.DocrootContainment;
import dev.opcached.protocol.segment.ClassFile;
import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.unit.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class BatchJavacTest {
    @TempDir
    Path dir;

    private Path docroot() throws IOException {
        return Files.createDirectories(dir.resolve("www")).toRealPath();
    }

    private static Path write(Path docroot, String relative, String source) throws IOException {
        Path file = docroot.resolve(relative);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, source);
    }

    private static BatchResult compile(Path docroot, Path... roots) throws IOException {
        return new BatchJavac(new DocrootContainment(docroot), ScriptClassPath.of(docroot)).compile(List.of(roots));
    }

    private static Path lib(Path docroot, String name, String body) throws IOException {
        return write(docroot, "lib/" + name + ".java", "package lib;\n" + body + "\n");
    }

    @Test
    void everyKindOfReferenceIsADependency() throws Exception {
        Path www = docroot();
        lib(www, "IdentDep", "public class IdentDep { }");
        lib(www, "SelectDep", "public class SelectDep { public static void run() { } }");
        lib(www, "ExprFactory", "public class ExprFactory { public static ExprMade make() { return null; } }");
        lib(www, "ExprMade", "public class ExprMade { }");
        lib(www, "SuperDep", "public class SuperDep { }");
        lib(www, "IfaceDep", "public interface IfaceDep { }");
        lib(www, "AnnDep", "public @interface AnnDep { }");
        lib(www, "ArgDep", "public class ArgDep { }");
        lib(www, "VarFactory", "public class VarFactory { public static <T> java.util.List<T> of(T t) { return null; } "
                + "public static VarMade made() { return null; } }");
        lib(www, "VarMade", "public class VarMade { }");
        lib(www, "StaticDep", "public class StaticDep { public static int twice(int x) { return 2 * x; } }");
        lib(www, "ConstDep", "public class ConstDep { public static final int C = 42; }");
        lib(www, "Outer", "public class Outer { public static class Inner { } }");
        lib(www, "ThrownDep", "public class ThrownDep extends Exception { }");
        lib(www, "Fn", "public interface Fn { int get(); }");
        lib(www, "Takes", "public class Takes { public static void take(Fn f) { } }");
        lib(www, "BoundDep", "public class BoundDep { }");
        lib(www, "LiteralDep", "public class LiteralDep { }");
        lib(www, "CaughtDep", "public class CaughtDep extends RuntimeException { }");
        lib(www, "ChainA", "public class ChainA { public static ChainB b() { return null; } }");
        lib(www, "ChainB", "public class ChainB { public ChainC c() { return null; } }");
        lib(www, "ChainC", "public class ChainC { public int v; }");
        lib(www, "Holder", "public class Holder { public static class Nested { } }");
        lib(www, "Tag", "public @interface Tag { int value(); }");
        lib(www, "TagValues", "public class TagValues { public static final int V = 7; }");
        Map<String, String> roots = Map.ofEntries(
                Map.entry("Ident", "import lib.IdentDep;\npublic class Ident { void m() { IdentDep d = null; } }"),
                Map.entry("Select", "public class Select { void m() { lib.SelectDep.run(); } }"),
                Map.entry("Expr", "public class Expr { void m() { Object o = lib.ExprFactory.make(); } }"),
                Map.entry("Super", "public class Super extends lib.SuperDep { }"),
                Map.entry("Iface", "public class Iface implements lib.IfaceDep { }"),
                Map.entry("Ann", "@lib.AnnDep public class Ann { }"),
                Map.entry("Arg", "public class Arg { java.util.List<lib.ArgDep> list; }"),
                Map.entry("Var", "public class Var { void m() { var v = lib.VarFactory.made(); } }"),
                Map.entry("Static", "import static lib.StaticDep.twice;\npublic class Static { int m() { return twice(2); } }"),
                Map.entry("Const", "public class Const { static final int X = lib.ConstDep.C; }"),
                Map.entry("Nested", "public class Nested { lib.Outer.Inner inner; }"),
                Map.entry("Thrown", "public class Thrown { void m() throws lib.ThrownDep { } }"),
                Map.entry("Lambda", "public class Lambda { void m() { lib.Takes.take(() -> 1); } }"),
                Map.entry("Bound", "public class Bound<T extends lib.BoundDep> { }"),
                Map.entry("Literal", "public class Literal { Object o = lib.LiteralDep.class; }"),
                Map.entry("Catch", "public class Catch { void m() { try { } catch (lib.CaughtDep e) { } } }"),
                Map.entry("Chain", "public class Chain { int m() { return lib.ChainA.b().c().v; } }"),
                Map.entry("NestedImport", "import lib.Holder.Nested;\npublic class NestedImport { Nested n; }"),
                Map.entry("AnnValue", "@lib.Tag(lib.TagValues.V) public class AnnValue { }"));
        for (Map.Entry<String, String> root : roots.entrySet()) {
            write(www, "k/" + root.getKey() + ".java", "package k;\n" + root.getValue() + "\n");
        }
        BatchResult batch = compile(www, roots.keySet().stream().map(name -> www.resolve("k/" + name + ".java"))
                .toArray(Path[]::new));

        assertThat(batch.failed()).isEmpty();
        assertThat(batch.passes()).isEqualTo(1);
        Map<String, List<String>> expected = Map.ofEntries(
                Map.entry("Ident", List.of("IdentDep")), Map.entry("Select", List.of("SelectDep")),
                Map.entry("Expr", List.of("ExprFactory", "ExprMade")), Map.entry("Super", List.of("SuperDep")),
                Map.entry("Iface", List.of("IfaceDep")), Map.entry("Ann", List.of("AnnDep")),
                Map.entry("Arg", List.of("ArgDep")), Map.entry("Var", List.of("VarFactory", "VarMade")),
                Map.entry("Static", List.of("StaticDep")), Map.entry("Const", List.of("ConstDep")),
                Map.entry("Nested", List.of("Outer")), Map.entry("Thrown", List.of("ThrownDep")),
                Map.entry("Lambda", List.of("Fn", "Takes")), Map.entry("Bound", List.of("BoundDep")),
                Map.entry("Literal", List.of("LiteralDep")), Map.entry("Catch", List.of("CaughtDep")),
                Map.entry("Chain", List.of("ChainA", "ChainB", "ChainC")), Map.entry("NestedImport", List.of("Holder")),
                Map.entry("AnnValue", List.of("Tag", "TagValues")));
        expected.forEach((root, dependencies) -> assertThat(batch.source(www.resolve("k/" + root + ".java")).dependencies())
                .as(root).containsExactlyElementsOf(dependencies.stream().map(d -> www.resolve("lib/" + d + ".java")).toList()));
        // Every source javac read from the source path came out compiled, with its own classes.
        assertThat(batch.sources()).hasSize(roots.size() + 25);
        assertThat(batch.source(www.resolve("lib/Outer.java")).classes()).extracting(ClassFile::binaryName)
                .containsExactlyInAnyOrder("lib.Outer", "lib.Outer$Inner");
    }

    @Test
    void aGeneratedApplicationCompilesInOnePassWithEachClassUsingWhatItNames() throws Exception {
        Path www = docroot();
        List<Path> written = GeneratedApplication.write(www, 3, 4);
        BatchResult batch = compile(www, written.toArray(Path[]::new));

        assertThat(batch.passes()).isEqualTo(1);
        assertThat(batch.compiled()).hasSize(written.size());
        assertThat(batch.source(www.resolve("app00/C00.java")).dependencies()).containsExactly(
                www.resolve("app00/C01.java"), www.resolve("app01/C00.java"), www.resolve("app02/C03.java"),
                www.resolve("util/Text.java"));
    }

    @Test
    void eachSourceComesWithTheBytesItWasCompiledFromTheirHashAndItsStamp() throws Exception {
        Path www = docroot();
        Path lib = lib(www, "Text", "public class Text { public static String hi() { return \"h\u00e9\"; } }");
        Path root = write(www, "Page.java", "public class Page { String s = lib.Text.hi(); }\n");
        BatchResult batch = compile(www, root);

        for (Path file : List.of(root, lib)) {
            SourceResult source = batch.source(file);
            byte[] bytes = Files.readAllBytes(file);
            assertThat(source.bytes()).isEqualTo(bytes);
            assertThat(source.hash()).isEqualTo(Sha256.of(bytes));
            assertThat(source.stamp()).isEqualTo(SourceStamp.of(file));
            assertThat(source.failed()).isFalse();
        }
        assertThat(batch.source(root).dependencies()).containsExactly(lib);
        assertThat(batch.source(lib).dependencies()).isEmpty();
    }

    @Test
    void aBrokenFileCostsOnlyItselfAndWhatUsesIt() throws Exception {
        Path www = docroot();
        Path broken = lib(www, "Broken", "public class Broken { public static int v() { return undefined(); } }");
        Path user = lib(www, "User", "public class User { public static int v() { return Broken.v(); } }");
        Path userOfUser = write(www, "Far.java", "public class Far { int v = lib.User.v(); }");
        Path onlyForUser = lib(www, "Lonely", "public class Lonely { }");
        lib(www, "Shared", "public class Shared { public static final int C = 1; }");
        Path good = write(www, "Good.java", "public class Good { int v = lib.Shared.C; }");
        Path alsoGood = write(www, "AlsoGood.java", "public class AlsoGood { }");
        write(www, "lib/User.java", "package lib;\npublic class User { Lonely l; public static int v() { return Broken.v(); } }\n");

        BatchResult batch = compile(www, userOfUser, good, alsoGood);

        assertThat(batch.passes()).isEqualTo(2);
        assertThat(batch.source(broken).failed()).isTrue();
        assertThat(batch.source(broken).diagnostics()).singleElement().asString()
                .startsWith(broken + ":2: error: cannot find symbol");
        assertThat(batch.source(user).diagnostics()).contains(user + ":2: error: uses " + broken + ", which does not compile")
                .anyMatch(line -> line.startsWith(broken + ":2: error: cannot find symbol"));
        assertThat(batch.source(userOfUser).failed()).isTrue();
        assertThat(batch.source(userOfUser).diagnostics()).as("names the file to fix")
                .anyMatch(line -> line.startsWith(broken + ":2: error: cannot find symbol"));
        for (Path compiled : List.of(good, alsoGood, www.resolve("lib/Shared.java"), onlyForUser)) {
            assertThat(batch.source(compiled).failed()).as(compiled.toString()).isFalse();
            assertThat(batch.source(compiled).classes()).as(compiled.toString()).isNotEmpty();
        }
        // The classes of the good files are those a batch without the broken ones makes.
        BatchResult clean = compile(www, good, alsoGood, onlyForUser);
        for (Path compiled : List.of(good, alsoGood, www.resolve("lib/Shared.java"), onlyForUser)) {
            assertThat(batch.source(compiled).classes()).as(compiled.toString())
                    .usingRecursiveFieldByFieldElementComparator().isEqualTo(clean.source(compiled).classes());
        }
    }

    @Test
    void aFailureSaysWhatItsPassDependedOnUnlessTwoRootsClashed() throws Exception {
        Path www = docroot();
        Path broken = write(www, "Broken.java", "public class Broken { int v = lib.Absent.V; }\n");
        SourceResult alone = compile(www, broken).source(broken);
        assertThat(alone.failed()).isTrue();
        assertThat(alone.failedPass()).as("what the failure holds for").isNotNull();
        assertThat(alone.failedPass().unchanged()).isTrue();

        // Two scripts that each declare a class Row: together, the second is a duplicate; alone, each compiles.
        Path one = write(www, "One.java", "public class One { }\nclass Row { }\n");
        Path two = write(www, "Two.java", "public class Two { }\nclass Row { }\n");
        BatchResult together = compile(www, one, two);
        assertThat(together.failed()).singleElement().satisfies(clashed -> {
            assertThat(clashed.diagnostics()).anyMatch(line -> line.contains("duplicate class: Row"));
            assertThat(clashed.failedPass()).as("a failure of that batch, not of the file").isNull();
        });
        Path clashed = together.failed().get(0).path();
        assertThat(compile(www, clashed).source(clashed).failed()).as("alone").isFalse();
    }

    @Test
    void everyErrorOfAManyErrorBatchIsSeenAndEachFileKeepsAtMostItsShare() throws Exception {
        Path www = docroot();
        StringBuilder many = new StringBuilder("public class Many {\n");
        for (int i = 0; i < 150; i++) {
            many.append("    int f").append(i).append(" = undefined").append(i).append(";\n");
        }
        Path manyErrors = write(www, "Many.java", many.append("}\n").toString());
        Path late = write(www, "Zed.java", "public class Zed { int v = alsoUndefined; }\n");
        Path good = write(www, "Fine.java", "public class Fine { }\n");

        BatchResult batch = compile(www, manyErrors, late, good);

        assertThat(batch.source(late).failed()).as("its error comes after javac's default limit of 100").isTrue();
        assertThat(batch.source(manyErrors).diagnostics()).hasSize(BatchJavac.MAX_LINES_PER_FILE + 1)
                .last().asString().isEqualTo(manyErrors + ": " + (150 - BatchJavac.MAX_LINES_PER_FILE) + " more errors");
        assertThat(batch.source(good).failed()).isFalse();
    }

    @Test
    void aSourceThatCrashesJavacCostsOnlyItselfAndWhatUsesIt() throws Exception {
        Path www = docroot();
        // javac's parser recurses once per parenthesis: deep enough, it overflows its stack.
        int depth = 50_000;
        Path deep = lib(www, "Deep", "public class Deep { public static int x = " + "(".repeat(depth) + "1"
                + ")".repeat(depth) + "; }");
        Path user = write(www, "UsesDeep.java", "public class UsesDeep { int v = lib.Deep.x; }");
        List<Path> good = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            good.add(write(www, "Good" + i + ".java", "public class Good" + i + " { String s = lib.Shared.NAME; }"));
        }
        lib(www, "Shared", "public class Shared { public static final String NAME = \"shared\"; }");
        List<Path> roots = new java.util.ArrayList<>(good);
        roots.add(user);
        roots.add(deep);

        BatchResult batch = compile(www, roots.toArray(Path[]::new));

        for (Path crashing : List.of(deep, user)) {
            assertThat(batch.source(crashing).failed()).as(crashing.toString()).isTrue();
            assertThat(batch.source(crashing).diagnostics()).as(crashing.toString())
                    .anyMatch(line -> line.startsWith(crashing + ":1: error: javac crashed compiling this file or one it uses")
                            && line.contains("StackOverflowError"));
            assertThat(batch.source(crashing).failedPass()).as("a crash is no verdict on %s: not known", crashing)
                    .isNull();
        }
        for (Path compiled : good) {
            assertThat(batch.source(compiled).failed()).as(compiled.toString()).isFalse();
            assertThat(batch.source(compiled).classes()).isNotEmpty();
        }
        assertThat(batch.source(www.resolve("lib/Shared.java")).failed()).isFalse();
    }

    @Test
    void aCycleIsCompiledAndEachSideDependsOnTheOther() throws Exception {
        Path www = docroot();
        Path a = lib(www, "A", "public class A { B b; }");
        Path b = lib(www, "B", "public class B { A a; }");
        BatchResult batch = compile(www, a);
        assertThat(batch.source(a).dependencies()).containsExactly(b);
        assertThat(batch.source(b).dependencies()).containsExactly(a);
        assertThat(batch.failed()).isEmpty();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aLinkOutOfTheDocrootOrAFifoIsNeitherReadNorOpened() throws Exception {
        Path www = docroot();
        Path outside = Files.writeString(Files.createDirectories(dir.resolve("outside")).resolve("Secret.java"),
                "package lib;\npublic class Secret { public static String s = \"SECRET-TEXT\"; }\n");
        Files.createDirectories(www.resolve("lib"));
        Files.createSymbolicLink(www.resolve("lib/Secret.java"), outside);
        Path fifo = www.resolve("lib/Pipe.java");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0).isTrue();
        Path usesLink = write(www, "UsesLink.java", "public class UsesLink { String s = lib.Secret.s; }");
        Path usesFifo = write(www, "UsesFifo.java", "public class UsesFifo { lib.Pipe p; }");
        Path good = write(www, "Fine.java", "public class Fine { }");
        Path rootLink = Files.createSymbolicLink(www.resolve("Linked.java"), outside);
        Path notJava = Files.writeString(www.resolve("notes.txt"), "class Notes { }");

        BatchResult batch = compile(www, usesLink, usesFifo, good, rootLink, fifo, notJava, www.resolve("Gone.java"));

        assertThat(batch.rejected()).containsOnlyKeys(rootLink, fifo, notJava, www.resolve("Gone.java"));
        assertThat(batch.rejected().get(fifo)).startsWith("not a regular file");
        assertThat(batch.rejected().get(www.resolve("Gone.java"))).isEqualTo("no such file");
        assertThat(batch.source(usesLink).diagnostics()).anyMatch(line -> line.contains("package lib does not exist"))
                .noneMatch(line -> line.contains("SECRET-TEXT") || line.contains(outside.toString()));
        assertThat(batch.source(usesFifo).diagnostics()).anyMatch(line -> line.contains("package lib does not exist"));
        assertThat(batch.source(good).failed()).isFalse();
        assertThat(batch.sources()).extracting(SourceResult::path).containsExactlyInAnyOrder(good, usesFifo, usesLink);
    }
}
