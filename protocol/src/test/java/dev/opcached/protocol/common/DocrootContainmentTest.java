package dev.opcached.protocol.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One rule for the worker, the compile path and /compile: the real path starts with the docroot's. */
class DocrootContainmentTest {
    @TempDir
    Path dir;

    @Test
    void aUrlPathIsUnderTheRootUnlessItsParentsLeadOut() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        DocrootContainment containment = new DocrootContainment(docroot);
        Path root = containment.root();
        assertThat(containment.underRoot("/a/b.java")).isEqualTo(root.resolve("a/b.java"));
        assertThat(containment.underRoot("//a/../b.java")).isEqualTo(root.resolve("b.java"));
        assertThat(containment.underRoot("/")).isEqualTo(root);
        assertThat(containment.underRoot("/../www2/x.java")).isNull();
        assertThat(containment.underRoot("/a/../../etc/passwd")).isNull();
    }

    @Test
    void aLinkInsideThatLeadsOutIsOutside() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Path outside = Files.writeString(dir.resolve("secret.java"), "outside");
        Path inside = Files.writeString(docroot.resolve("inside.java"), "inside");
        Path link = Files.createSymbolicLink(docroot.resolve("link.java"), outside);
        Files.createSymbolicLink(dir.resolve("www2"), docroot);
        DocrootContainment containment = new DocrootContainment(dir.resolve("www2"));

        assertThat(containment.root()).as("the docroot's own links are resolved once").isEqualTo(docroot.toRealPath());
        assertThat(containment.realPathInside(inside)).isEqualTo(inside.toRealPath());
        assertThat(containment.realPathInside(link)).isNull();
        assertThat(containment.contains(outside.toRealPath())).isFalse();
        assertThat(containment.contains(dir.resolve("www-other/x.java"))).as("a sibling with the same prefix")
                .isFalse();
    }
}
