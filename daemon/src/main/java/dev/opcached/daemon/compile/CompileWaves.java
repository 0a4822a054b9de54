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
 * against the first wave only, and so on; what cannot be ordered (a cycle) goes together. A file
 * with no cached unit (new, or not cached) goes first when a cached unit of the batch was compiled
 * against it, and last otherwise (a new page is compiled against the changed inputs once they
 * are shared). Hosts of a fleet that compile the same change at once
 * claim and share each wave before the next is compiled against it, instead of each compiling
 * the changed inputs along with the files it claimed.
 */
public final class CompileWaves {
    private CompileWaves() {
    }

    /**
     * {@code files} in the order of their waves: what is given to the compiler in several calls
     * (a reset's scripts, a few hundred at a time) keeps each input before what was compiled
     * against it, across the calls.
     */
    public static List<Path> inOrder(List<Path> files, Function<Path, CompileUnit> cachedUnit) {
        Map<Path, SourceStamp> asMap = new LinkedHashMap<>();
        SourceStamp unknown = new SourceStamp(0, 0);
        files.forEach(path -> asMap.put(path, unknown));
        List<Path> ordered = new ArrayList<>(files.size());
        of(asMap, cachedUnit).forEach(wave -> ordered.addAll(wave.keySet()));
        return ordered;
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
        Set<Path> uncached = new HashSet<>();
        for (Path path : files.keySet()) {
            CompileUnit unit = cachedUnit.apply(path);
            if (unit == null) {
                uncached.add(path);
            }
            Set<Path> within = new HashSet<>();
            for (Dependency input : unit == null ? List.<Dependency>of() : unit.dependencies()) {
                Path inputPath = Path.of(input.path());
                if (input.kind() == Dependency.Kind.SOURCE && !inputPath.equals(path) && files.containsKey(inputPath)) {
                    within.add(inputPath);
                }
            }
            inputs.put(path, within);
        }
        Set<Path> usedByCached = new HashSet<>();
        inputs.values().forEach(usedByCached::addAll);
        Map<Path, SourceStamp> last = new LinkedHashMap<>();
        List<Map<Path, SourceStamp>> waves = new ArrayList<>();
        Map<Path, SourceStamp> left = new LinkedHashMap<>();
        files.forEach((path, stamp) -> {
            if (uncached.contains(path) && !usedByCached.contains(path)) {
                last.put(path, stamp);
            } else {
                left.put(path, stamp);
            }
        });
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
        if (!last.isEmpty()) {
            waves.add(last);
        }
        return waves;
    }
}
