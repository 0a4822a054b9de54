package dev.opcached.daemon.compile;

import dev.opcached.protocol.segment.SourceStamp;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Collections;
import java.util.TreeMap;

/**
 * What one {@link BatchJavac#compile} made: a result for every docroot source javac read, the
 * roots that were refused before javac saw them, and the jars on the class path. Every root is in
 * exactly one of {@code sources} and {@code rejected}.
 *
 * @param sources  one result per source read, in path order
 * @param rejected roots that are not a regular {@code .java} file at that real path in the docroot
 *                 (or that javac stopped before reading), each with why (a reason without the
 *                 path: "no such file")
 * @param jars     the docroot jars javac compiled against, with their stamps taken before it started
 * @param served   the docroot sources javac was given as the class files of their current units
 *                 instead (whether it read them or not; none is in {@code sources}), by real path
 * @param passes   how many javac passes the batch took (1, plus one per round of broken files)
 * @param micros   time the batch took
 */
public record BatchResult(List<SourceResult> sources, Map<Path, String> rejected, Map<Path, SourceStamp> jars,
                          Map<Path, CurrentUnits.Current> served, int passes, long micros) {
    public BatchResult {
        sources = List.copyOf(sources);
        rejected = Collections.unmodifiableMap(new TreeMap<>(rejected));
        jars = Collections.unmodifiableMap(new TreeMap<>(jars));
        served = Collections.unmodifiableMap(new TreeMap<>(served));
    }

    /** The result of the source at {@code realPath}, or null when the batch did not read it. */
    public SourceResult source(Path realPath) {
        for (SourceResult source : sources) {
            if (source.path().equals(realPath)) {
                return source;
            }
        }
        return null;
    }

    /** The sources that compiled. */
    public List<SourceResult> compiled() {
        return sources.stream().filter(s -> !s.failed()).toList();
    }

    /** The sources that did not. */
    public List<SourceResult> failed() {
        return sources.stream().filter(SourceResult::failed).toList();
    }
}
