package dev.opcached.daemon.compile;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DependencyClosureTest {
    private static Path p(String name) {
        return Path.of("/www", name);
    }

    @Test
    void chainsCyclesAndLoneNodes() {
        // a -> b -> c -> b (a cycle below a), c -> d, e alone, f -> f (uses itself), g -> outside.
        List<Path> nodes = List.of(p("a"), p("b"), p("c"), p("d"), p("e"), p("f"), p("g"));
        Map<Path, List<Path>> edges = Map.of(p("a"), List.of(p("b")), p("b"), List.of(p("c")),
                p("c"), List.of(p("b"), p("d")), p("f"), List.of(p("f")), p("g"), List.of(Path.of("/elsewhere")));

        Map<Path, List<Path>> closures = DependencyClosure.of(nodes, edges);

        assertThat(closures.get(p("a"))).containsExactly(p("b"), p("c"), p("d"));
        assertThat(closures.get(p("b"))).containsExactly(p("c"), p("d"));
        assertThat(closures.get(p("c"))).containsExactly(p("b"), p("d"));
        assertThat(closures.get(p("d"))).isEmpty();
        assertThat(closures.get(p("e"))).isEmpty();
        assertThat(closures.get(p("f"))).isEmpty();
        assertThat(closures.get(p("g"))).isEmpty();
    }
}
