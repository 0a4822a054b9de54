package dev.opcached.daemon.compile;

import dev.opcached.daemon.filecache.FileCache;
import dev.opcached.daemon.filecache.FileCacheStatistics;
import dev.opcached.daemon.filecache.Namespace;
import dev.opcached.daemon.filecache.UnitStore;
import dev.opcached.daemon.runtime.ScriptClassPath;
import dev.opcached.daemon.runtime.ScriptException;
import dev.opcached.daemon.runtime.ScriptSource;
import dev.opcached.protocol.common.DocrootContainment;
import dev.opcached.protocol.segment.FileCacheFigures;
import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.unit.CompileUnit;
import dev.opcached.protocol.unit.CompileUnitCodec;
import dev.opcached.protocol.unit.Dependency;
import dev.opcached.protocol.unit.Sha256;
import dev.opcached.protocol.unit.UnitKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The sealed file cache, and the fleet's store behind it (both through one {@link UnitStore}, the
 * host first), as the second level of the compile path. A compiled unit is filed twice:
 * under its content key (the unit, its paths relative to the docroot, so that another release
 * directory or another host with the same content can use it) and under a source key (which unit
 * this source's content was last compiled to; known before compiling). A miss then reads the
 * source, finds the unit its source key names and takes it, and the units of its whole closure,
 * only when every input's content on disk is still the one recorded (the source key is a hint,
 * never trusted: a sealed but older record is harmless because what it names is checked).
 */
final class FileCacheLevel {
    private final LevelledStore cache;
    /** The file cache among the levels (its figures go to the pool's status), or null when it is off. */
    private final FileCache host;
    private final DocrootContainment docroot;
    private final ScriptSource source;
    private final String jdkVersion;
    private final List<String> keyOptions;
    private final JarDigests jars = new JarDigests();
    /** Where the cache's figures go for the pool's status, and what was published last. */
    private final Consumer<FileCacheFigures> figures;
    private FileCacheStatistics published;
    /** Units filed by this level so far. */
    private final AtomicLong filed = new AtomicLong();

    /** A unit found in the file cache, for the file at {@code path} as it is now ({@code stamp}). */
    record Found(Path path, SourceStamp stamp, CompileUnit unit) {
    }

    FileCacheLevel(LevelledStore cache, FileCache host, DocrootContainment docroot, List<String> keyOptions,
                   Consumer<FileCacheFigures> figures) {
        this.cache = cache;
        this.host = host;
        this.figures = figures;
        this.published = new FileCacheStatistics(0, 0, 0, 0, 0, 0, 0, 0);
        this.docroot = docroot;
        this.source = new ScriptSource(docroot);
        this.jdkVersion = Runtime.version().toString();
        this.keyOptions = List.copyOf(keyOptions);
    }

    /**
     * The unit of {@code path}, then those of every source in its closure, rebased onto the files
     * as they are now; null when any is missing, rejected, or was compiled from other content.
     */
    List<Found> load(Path path) {
        try {
            return find(path);
        } finally {
            publish();
        }
    }

    private List<Found> find(Path path) {
        try {
            Read root = read(path);
            Sha256 sourceKey = UnitKey.sourceKey(jdkVersion, keyOptions, relative(path), root.hash);
            Optional<byte[]> onHost = cache.readHost(Namespace.SOURCE, sourceKey);
            List<Found> found = onHost.isEmpty() ? null : found(path, root, onHost.get());
            if (found != null) {
                return found;
            }
            // The host's record names the unit this source was last compiled to here: when an input
            // changed since (the source is the same, its unit is not), another host may have compiled
            // it against the inputs as they are now, and filed that in the fleet under the same key.
            Optional<byte[]> inFleet = cache.readFleet(Namespace.SOURCE, sourceKey);
            if (inFleet.isEmpty() || onHost.isPresent() && Arrays.equals(onHost.get(), inFleet.get())) {
                return null;
            }
            return found(path, root, inFleet.get());
        } catch (ScriptException | IOException | IllegalArgumentException doubt) {
            return null;
        }
    }

    /**
     * The units {@code hint} (a source record of {@code path} as it is now, {@code root}) leads to,
     * rebased, or null when any is missing, rejected, or was compiled from other content.
     */
    private List<Found> found(Path path, Read root, byte[] hint) throws ScriptException, IOException {
        if (hint.length != Sha256.LENGTH) {
            return null;
        }
        CompileUnit unit = unit(Sha256.wrap(hint));
        if (unit == null || !unit.sourceHash().equals(root.hash) || !jarsAreNow(unit)) {
            return null;
        }
        List<Found> inputs = new ArrayList<>();
        List<Dependency> rebased = new ArrayList<>();
        List<Read> sourcesNow = new ArrayList<>(); // per input, in order: null for a jar
        for (Dependency input : unit.dependencies()) {
            Path file = docroot.root().resolve(input.path());
            if (input.kind() == Dependency.Kind.JAR) {
                SourceStamp stamp = SourceStamp.of(file);
                if (stamp == null || !jars.digest(file, stamp).equals(input.contentHash())) {
                    return null;
                }
                rebased.add(new Dependency(input.kind(), file.toString(), stamp.mtimeMillis(), stamp.size(),
                        input.contentHash(), input.unitKey()));
                sourcesNow.add(null);
                continue;
            }
            Read now = read(file);
            if (!now.hash.equals(input.contentHash())) {
                return null;
            }
            sourcesNow.add(now);
            rebased.add(new Dependency(input.kind(), file.toString(), now.stamp.mtimeMillis(), now.stamp.size(),
                    input.contentHash(), input.unitKey()));
        }
        // The closure's units asked for at once: one wait on the fleet, not one per input.
        Map<Sha256, byte[]> bodies = cache.readAll(Namespace.UNIT, unit.dependencies().stream()
                .filter(input -> input.kind() != Dependency.Kind.JAR).map(Dependency::unitKey).distinct().toList());
        for (int i = 0; i < unit.dependencies().size(); i++) {
            Dependency input = unit.dependencies().get(i);
            Read now = sourcesNow.get(i);
            if (now == null) {
                continue;
            }
            CompileUnit inputUnit = decode(input.unitKey(), bodies.get(input.unitKey()));
            if (inputUnit == null || !inputUnit.sourceHash().equals(now.hash)) {
                return null;
            }
            inputs.add(new Found(docroot.root().resolve(input.path()), now.stamp, inputUnit));
        }
        // Each unit's own inputs are in this closure (the root too, in a cycle): the same paths and stamps.
        List<Dependency> closure = new ArrayList<>(rebased);
        closure.add(new Dependency(Dependency.Kind.SOURCE, path.toString(), root.stamp.mtimeMillis(),
                root.stamp.size(), root.hash, unit.unitKey()));
        List<Found> found = new ArrayList<>();
        found.add(new Found(path, root.stamp, new CompileUnit(unit.sourceHash(), unit.unitKey(), rebased,
                unit.classes())));
        for (Found input : inputs) {
            found.add(new Found(input.path(), input.stamp(), rebase(input.unit(), closure)));
        }
        return found;
    }

    /** The source key of {@code path} as it is now, or null when it cannot be read: what the fleet's claims are on. */
    Sha256 sourceKey(Path path) {
        try {
            return UnitKey.sourceKey(jdkVersion, keyOptions, relative(path), read(path).hash);
        } catch (ScriptException | IllegalArgumentException e) {
            return null;
        }
    }

    /** Files a unit compiled now (its paths real ones in the docroot) under its content key and its source key. */
    void store(Path path, CompileUnit unit) {
        try {
            file(path, unit);
        } finally {
            filed.incrementAndGet();
            publish();
        }
    }

    /** How many units {@link #store} has filed so far (what {@link #load} finds can only have grown if this did). */
    long filed() {
        return filed.get();
    }

    /** Adds what the cache did since the last call to the pool's figures. */
    private synchronized void publish() {
        if (host == null) {
            return;
        }
        FileCacheStatistics now = host.statistics();
        FileCacheStatistics before = published;
        published = now;
        figures.accept(new FileCacheFigures(now.hits() - before.hits(), now.misses() - before.misses(),
                now.stores() - before.stores(), now.rejections() - before.rejections(), now.bytes(), now.entries()));
    }

    private void file(Path path, CompileUnit unit) {
        List<Dependency> relative = new ArrayList<>();
        for (Dependency input : unit.dependencies()) {
            relative.add(new Dependency(input.kind(), relative(Path.of(input.path())), 0, 0, input.contentHash(),
                    input.unitKey()));
        }
        cache.write(Namespace.UNIT, unit.unitKey(), CompileUnitCodec.encode(
                new CompileUnit(unit.sourceHash(), unit.unitKey(), relative, unit.classes())));
        cache.write(Namespace.SOURCE, UnitKey.sourceKey(jdkVersion, keyOptions, relative(path), unit.sourceHash()),
                unit.unitKey().bytes());
    }

    private CompileUnit unit(Sha256 unitKey) {
        return decode(unitKey, cache.read(Namespace.UNIT, unitKey).orElse(null));
    }

    /** The unit in {@code body} if it is the one filed under {@code unitKey}, else null (absent too). */
    private static CompileUnit decode(Sha256 unitKey, byte[] body) {
        if (body == null) {
            return null;
        }
        CompileUnit unit = CompileUnitCodec.decode(body);
        return unit.unitKey().equals(unitKey) ? unit : null;
    }

    /** {@code unit} with each input's path and stamp as {@code closure} has them now. */
    private CompileUnit rebase(CompileUnit unit, List<Dependency> closure) {
        List<Dependency> inputs = new ArrayList<>();
        for (Dependency input : unit.dependencies()) {
            String path = docroot.root().resolve(input.path()).toString();
            Dependency now = closure.stream().filter(d -> d.kind() == input.kind() && d.path().equals(path)
                    && d.contentHash().equals(input.contentHash()) && d.unitKey().equals(input.unitKey()))
                    .findFirst().orElseThrow(() -> new IllegalArgumentException("an input outside the closure"));
            inputs.add(now);
        }
        return new CompileUnit(unit.sourceHash(), unit.unitKey(), inputs, unit.classes());
    }

    /** Whether the unit's jars are the docroot's jars now (a jar added since would change what compiles). */
    private boolean jarsAreNow(CompileUnit unit) throws IOException {
        Set<String> recorded = new TreeSet<>();
        for (Dependency input : unit.dependencies()) {
            if (input.kind() == Dependency.Kind.JAR) {
                recorded.add(input.path());
            }
        }
        Set<String> now = new TreeSet<>();
        for (Path jar : ScriptClassPath.vendorJarsOf(docroot.root())) {
            now.add(relative(jar));
        }
        return recorded.equals(now);
    }

    private record Read(SourceStamp stamp, Sha256 hash) {
    }

    private Read read(Path file) throws ScriptException {
        SourceStamp stamp = source.contained(file);
        return new Read(stamp, Sha256.of(ScriptSource.read(file)));
    }

    private String relative(Path file) {
        return docroot.root().relativize(file).toString();
    }
}
