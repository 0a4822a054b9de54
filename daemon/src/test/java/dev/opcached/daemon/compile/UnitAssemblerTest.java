package dev.opcached.daemon.compile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.runtime.ScriptClassPath;
import dev.opcached.protocol.common.DocrootContainment;
import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.unit.CompileUnit;
import dev.opcached.protocol.unit.Dependency;
import dev.opcached.protocol.unit.Sha256;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnitAssemblerTest {
    @TempDir
    Path dir;

    /** One docroot with its compiler and assembler, as the compiler process holds them. */
    private static final class Docroot {
        final Path root;
        final BatchJavac javac;
        final UnitAssembler assembler;

        Docroot(Path root) throws IOException {
            DocrootContainment containment = new DocrootContainment(root);
            this.root = containment.root();
            this.javac = new BatchJavac(containment, ScriptClassPath.of(this.root));
            this.assembler = new UnitAssembler(containment, javac.keyOptions());
        }

        Path write(String relative, String source) throws IOException {
            Path file = root.resolve(relative);
            Files.createDirectories(file.getParent());
            return Files.writeString(file, source);
        }

        Map<Path, CompileUnit> compile(String... relatives) throws IOException {
            BatchResult batch = javac.compile(List.of(relatives).stream().map(root::resolve).toList());
            assertThat(batch.failed()).isEmpty();
            return assembler.assemble(batch);
        }

        CompileUnit unit(Map<Path, CompileUnit> units, String relative) {
            return units.get(root.resolve(relative));
        }
    }

    private Docroot docroot(String name) throws IOException {
        return new Docroot(Files.createDirectories(dir.resolve(name)));
    }

    /** A page using lib.B (constant C), which uses lib.C, which uses lib.B back; and an unrelated page. */
    private static void application(Docroot www, int constant) throws IOException {
        www.write("Page.java", "public class Page { int v = lib.B.C; }\n");
        www.write("lib/B.java", "package lib;\npublic class B { public static final int C = " + constant + "; C c; }\n");
        www.write("lib/C.java", "package lib;\npublic class C { B b; }\n");
        www.write("Other.java", "public class Other { }\n");
    }

    @Test
    void aUnitDependsOnTheClosureWithEachDependencysStampHashAndUnitKey() throws Exception {
        Docroot www = docroot("www");
        application(www, 1);
        Map<Path, CompileUnit> units = www.compile("Page.java", "Other.java");

        assertThat(units).containsOnlyKeys(www.root.resolve("Page.java"), www.root.resolve("Other.java"),
                www.root.resolve("lib/B.java"), www.root.resolve("lib/C.java"));
        CompileUnit page = www.unit(units, "Page.java");
        assertThat(page.dependencies()).extracting(Dependency::path)
                .containsExactly(www.root.resolve("lib/B.java").toString(), www.root.resolve("lib/C.java").toString());
        for (Dependency dependency : page.dependencies()) {
            Path file = Path.of(dependency.path());
            assertThat(dependency.kind()).isEqualTo(Dependency.Kind.SOURCE);
            assertThat(dependency.contentHash()).isEqualTo(Sha256.of(Files.readAllBytes(file)));
            assertThat(new SourceStamp(dependency.mtimeMillis(), dependency.size())).isEqualTo(SourceStamp.of(file));
            assertThat(dependency.unitKey()).isEqualTo(units.get(file).unitKey());
        }
        // The cycle: each side of it depends on the other, never on itself.
        assertThat(www.unit(units, "lib/B.java").dependencies()).extracting(Dependency::path)
                .containsExactly(www.root.resolve("lib/C.java").toString());
        assertThat(www.unit(units, "lib/C.java").dependencies()).extracting(Dependency::path)
                .containsExactly(www.root.resolve("lib/B.java").toString());
        assertThat(www.unit(units, "lib/B.java").unitKey()).isNotEqualTo(www.unit(units, "lib/C.java").unitKey());
        assertThat(www.unit(units, "Other.java").dependencies()).isEmpty();
        assertThat(page.sourceHash()).isEqualTo(Sha256.of(Files.readAllBytes(www.root.resolve("Page.java"))));
        assertThat(page.classes()).extracting(c -> c.binaryName()).containsExactly("Page");
    }

    @Test
    void aChangedConstantInADependencyChangesTheKeyOfWhatUsesIt() throws Exception {
        Docroot www = docroot("www");
        application(www, 1);
        Map<Path, CompileUnit> before = www.compile("Page.java", "Other.java");
        www.write("lib/B.java", "package lib;\npublic class B { public static final int C = 2; C c; }\n");
        Map<Path, CompileUnit> after = www.compile("Page.java", "Other.java");

        CompileUnit pageBefore = www.unit(before, "Page.java");
        CompileUnit pageAfter = www.unit(after, "Page.java");
        assertThat(pageAfter.sourceHash()).isEqualTo(pageBefore.sourceHash());
        assertThat(pageAfter.unitKey()).isNotEqualTo(pageBefore.unitKey());
        assertThat(www.unit(after, "lib/C.java").unitKey()).as("compiled against B too")
                .isNotEqualTo(www.unit(before, "lib/C.java").unitKey());
        assertThat(www.unit(after, "Other.java").unitKey()).isEqualTo(www.unit(before, "Other.java").unitKey());
        // And the classes were compiled against the new value, which javac copied into Page.
        assertThat(pageAfter.classes().get(0).bytes()).isNotEqualTo(pageBefore.classes().get(0).bytes());
    }

    @Test
    void theSameTreeUnderTwoDocrootsGetsTheSameKeysAndADifferentDependencyADifferentKey() throws Exception {
        Docroot first = docroot("release-1");
        Docroot second = docroot("release-2");
        Docroot third = docroot("release-3");
        for (Docroot www : List.of(first, second, third)) {
            application(www, 1);
        }
        third.write("lib/C.java", "package lib;\n// a comment is new content\npublic class C { B b; }\n");
        Map<Path, CompileUnit> one = first.compile("Page.java", "Other.java");
        Map<Path, CompileUnit> two = second.compile("Page.java", "Other.java");
        Map<Path, CompileUnit> three = third.compile("Page.java", "Other.java");

        for (String file : List.of("Page.java", "Other.java", "lib/B.java", "lib/C.java")) {
            assertThat(second.unit(two, file).unitKey()).as(file).isEqualTo(first.unit(one, file).unitKey());
        }
        assertThat(third.unit(three, "Page.java").unitKey()).isNotEqualTo(first.unit(one, "Page.java").unitKey());
        assertThat(third.unit(three, "Page.java").sourceHash()).isEqualTo(first.unit(one, "Page.java").sourceHash());
        assertThat(third.unit(three, "Other.java").unitKey()).isEqualTo(first.unit(one, "Other.java").unitKey());
    }

    @Test
    void everyDocrootJarIsADependencyHashedOncePerStamp() throws Exception {
        Path rootDir = Files.createDirectories(dir.resolve("www/vendor"));
        Path jar = rootDir.resolve("lib.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().putValue("Manifest-Version", "1.0");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jarOut = new JarOutputStream(out, manifest)) {
            jarOut.flush();
        }
        Docroot www = new Docroot(dir.resolve("www"));
        www.write("Page.java", "public class Page { }\n");
        CompileUnit first = www.unit(www.compile("Page.java"), "Page.java");
        CompileUnit second = www.unit(www.compile("Page.java"), "Page.java");

        Path realJar = jar.toRealPath();
        Dependency dependency = first.dependencies().stream().filter(d -> d.path().equals(realJar.toString()))
                .findFirst().orElse(null);
        assertThat(dependency.kind()).isEqualTo(Dependency.Kind.JAR);
        assertThat(dependency.contentHash()).isEqualTo(Sha256.of(Files.readAllBytes(realJar)));
        assertThat(new SourceStamp(dependency.mtimeMillis(), dependency.size())).isEqualTo(SourceStamp.of(realJar));
        assertThat(dependency.unitKey().isNone()).isTrue();
        assertThat(second.unitKey()).isEqualTo(first.unitKey());
        assertThat(www.assembler.jarsHashed()).isEqualTo(1);
    }
}
