package dev.opcached.daemon.compile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.unit.CompileUnit;
import dev.opcached.protocol.unit.Dependency;
import dev.opcached.protocol.unit.Sha256;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A batch in waves by what its cached units were compiled against. */
class CompileWavesTest {
    private final Map<Path, CompileUnit> cached = new HashMap<>();

    private static Path file(String name) {
        return Path.of("/srv/www", name + ".java");
    }

    private static Sha256 hash(String text) {
        return Sha256.of(text.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code name}'s cached unit, compiled against {@code inputs} (and a jar, which orders nothing). */
    private void compiledAgainst(String name, String... inputs) {
        List<Dependency> dependencies = new ArrayList<>(Arrays.stream(inputs).map(input -> new Dependency(
                Dependency.Kind.SOURCE, file(input).toString(), 1, 1, hash(input), hash("unit " + input))).toList());
        dependencies.add(new Dependency(Dependency.Kind.JAR, "/srv/www/vendor/lib.jar", 1, 1, hash("jar"), Sha256.NONE));
        cached.put(file(name), new CompileUnit(hash(name), hash("unit " + name), dependencies, List.of()));
    }

    private List<List<String>> waves(String... names) {
        Map<Path, SourceStamp> files = new LinkedHashMap<>();
        for (String name : names) {
            files.put(file(name), new SourceStamp(1, 1));
        }
        return CompileWaves.of(files, cached::get).stream()
                .map(wave -> wave.keySet().stream().map(path -> path.getFileName().toString().replace(".java", "")).toList())
                .toList();
    }

    @Test
    void inputsComeBeforeWhatWasCompiledAgainstThemNewFilesLastAndOutsideInputsOrderNothing() {
        compiledAgainst("Base");
        compiledAgainst("Lib", "Base", "Unchanged");
        compiledAgainst("Page", "Lib", "Base");
        compiledAgainst("Other", "Unchanged");
        compiledAgainst("User", "Gone");
        assertThat(waves("Page", "Other", "Lib", "Base", "New", "User", "Gone"))
                .as("a new file goes last, one a cached unit was compiled against first")
                .containsExactly(List.of("Other", "Base", "Gone"), List.of("Lib", "User"), List.of("Page"), List.of("New"));
    }

    @Test
    void aCycleGoesTogetherWithWhatWasCompiledAgainstIt() {
        compiledAgainst("A", "B");
        compiledAgainst("B", "A");
        compiledAgainst("User", "A");
        compiledAgainst("Alone");
        assertThat(waves("User", "A", "B", "Alone")).containsExactly(List.of("Alone"), List.of("User", "A", "B"));
    }

    @Test
    void aSingleFileOrNoneIsOneWave() {
        assertThat(waves("Page")).containsExactly(List.of("Page"));
        assertThat(CompileWaves.of(Map.of(), cached::get)).containsExactly(Map.of());
    }
}
