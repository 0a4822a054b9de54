package dev.opcached.daemon.compile;

import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.unit.CompileUnit;
import dev.opcached.protocol.unit.Dependency;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A batch's files in waves by what their cached units (the versions being replaced) were compiled
 * against: first the files compiled against none of the batch's others, then those compiled
 * against the first wave only, and so on; what cannot be ordered (a cycle) goes together, and a
 * file with no cached unit goes first. Hosts of a fleet that compile the same change at once
 * claim and share each wave before the next is compiled against it, instead of each compiling
 * the changed inputs along with the files it claimed.
 */
final class CompileWaves {
    private CompileWaves() {
    }

    /**
     * The waves of {@code files}, in order, together holding each file once.
     *
     * @param cachedUnit the unit the cache holds for a file (its previous version), or null
     */
    static List<Map<Path, SourceStamp>> of(Map<Path, SourceStamp> files, Function<Path, CompileUnit> cachedUnit) {
        if (files.size() < 2) {
            return List.of(files);
        }
        Map<Path, Set<Path>> inputs = new HashMap<>();
        for (Path path : files.keySet()) {
            CompileUnit unit = cachedUnit.apply(path);
            Set<Path> within = new HashSet<>();
            for (Dependency input : unit == null ? List.<Dependency>of() : unit.dependencies()) {
                Path inputPath = Path.of(input.path());
                if (input.kind() == Dependency.Kind.SOURCE && !inputPath.equals(path) && files.containsKey(inputPath)) {
                    within.add(inputPath);
                }
            }
            inputs.put(path, within);
        }
        List<Map<Path, SourceStamp>> waves = new ArrayList<>();
        Map<Path, SourceStamp> left = new LinkedHashMap<>(files);
        while (!left.isEmpty()) {
            Map<Path, SourceStamp> wave = new LinkedHashMap<>();
            left.forEach((path, stamp) -> {
                if (Collections.disjoint(inputs.get(path), left.keySet())) {
                    wave.put(path, stamp);
                }
            });
            if (wave.isEmpty()) {
                wave.putAll(left); // a cycle, and what was compiled against it
            }
            left.keySet().removeAll(wave.keySet());
            waves.add(wave);
        }
        return waves;
    }
}
