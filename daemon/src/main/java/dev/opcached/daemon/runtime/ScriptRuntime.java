package dev.opcached.daemon.runtime;

import dev.opcached.daemon.compile.PoolCompiler;
import dev.opcached.protocol.common.DocrootContainment;
import dev.opcached.protocol.common.LogText;
import dev.opcached.protocol.segment.CachedEntry;
import dev.opcached.protocol.segment.ClassFile;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentKey;
import dev.opcached.protocol.unit.CompileUnit;
import dev.opcached.protocol.unit.Sha256;
import dev.opcached.script.Request;
import dev.opcached.script.Script;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The script runtime of one process, the entry point of the compile path: a script's unit as this
 * process has loaded it ({@link LoadedScripts}) while the segment still holds that version, else
 * the pool's ({@link SharedCompilePath}), put into the segment by the pool's compiler
 * ({@link PoolCompiler}) and linked with the exact units it was compiled against
 * ({@link UnitLinker}) in class loaders that see only the script class path
 * ({@link ScriptDefiner}, {@link ScriptClassPath}), by the rules of the {@link CachePolicy}.
 */
public final class ScriptRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(ScriptRuntime.class);

    private final Path docroot;
    private final Segment segment;
    private final LoadedScripts loaded = new LoadedScripts();
    private final SharedCompilePath shared;
    private final ScriptDefiner definer;
    private final UnitLinker linker;
    private final Runnable classPathChanged;

    public ScriptRuntime(Segment segment, Path docroot, CachePolicy policy, PoolCompiler compiler) throws IOException {
        this(segment, docroot, policy, compiler, () -> { });
    }

    /**
     * @param classPathChanged called when a unit was compiled against other vendor jars than this
     *                         process's class path was read from (a jar changed since it started)
     */
    public ScriptRuntime(Segment segment, Path docroot, CachePolicy policy, PoolCompiler compiler,
                         Runnable classPathChanged) throws IOException {
        DocrootContainment containment = new DocrootContainment(docroot);
        this.classPathChanged = classPathChanged;
        this.docroot = containment.root();
        this.segment = segment;
        ScriptClassPath classPath = ScriptClassPath.of(this.docroot);
        this.shared = new SharedCompilePath(segment, new ScriptSource(containment), policy, compiler);
        this.definer = new ScriptDefiner(classPath.parent(), this::docrootClass);
        this.linker = new UnitLinker(segment, definer, classPath);
    }

    /** One compile unit (one version of one docroot file), defined in this process. */
    public static final class Loaded {
        private final SegmentKey key;
        private final CachedEntry entry;
        private final CompileUnit unit;
        private final ScriptClassLoader loader;
        private final String mainClass;
        private volatile Constructor<? extends Script> constructor;
        /** When this process last checked this version against the disk itself (epoch ms; 0: not yet asked). */
        private volatile long checkedAtMillis;

        Loaded(SegmentKey key, CachedEntry entry, CompileUnit unit, ScriptClassLoader loader, String mainClass) {
            this.key = key;
            this.entry = entry;
            this.unit = unit;
            this.loader = loader;
            this.mainClass = mainClass;
        }

        /** Whether this version came from the shared cache (false: compiled for this use only). */
        public boolean cached() {
            return entry != null;
        }

        SegmentKey key() {
            return key;
        }

        CachedEntry entry() {
            return entry;
        }

        CompileUnit unit() {
            return unit;
        }

        ScriptClassLoader loader() {
            return loader;
        }

        String mainClass() {
            return mainClass;
        }

        long checkedAtMillis() {
            return checkedAtMillis;
        }

        void checked(long atMillis) {
            checkedAtMillis = atMillis;
        }

        private Constructor<? extends Script> constructor(Path realPath) throws ScriptException {
            Constructor<? extends Script> known = constructor;
            if (known == null) {
                known = ScriptDefiner.constructor(this, realPath);
                constructor = known;
            }
            return known;
        }
    }

    /**
     * The script at {@code realPath} ready to start: loaded, validated, compiled as needed, its main
     * class loaded and checked but not initialised (its static initialisers are script code, run by
     * {@link #instantiate(Loaded, Path)} as part of the script's timed run).
     */
    public Loaded loadMain(Path realPath) throws ScriptException {
        Loaded script = load(realPath);
        script.constructor(realPath);
        return script;
    }

    /**
     * A new instance of a script {@link #loadMain loaded} for it: runs its constructor and, the first
     * time, the class's static initialisers, script code under the script's own loader.
     */
    public Script instantiate(Loaded script, Path realPath) throws ScriptException {
        Constructor<? extends Script> constructor = script.constructor(realPath);
        try {
            return ScriptContextClassLoader.call(script.loader, constructor::newInstance);
        } catch (InvocationTargetException e) {
            // What the constructor threw is the script's, answered as anything else it throws.
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            if (e.getCause() instanceof RuntimeException thrown) {
                throw thrown;
            }
            throw new ScriptException(realPath + ": the constructor of " + script.mainClass + " threw " + e.getCause(), e);
        } catch (ReflectiveOperationException e) {
            throw new ScriptException(realPath + ": cannot instantiate " + script.mainClass + ": " + e, e);
        }
    }

    /**
     * The current version of a script: the one this process already runs while the segment still
     * holds it and nothing it was compiled against changed; else the segment's; else a new compile.
     */
    public Loaded load(Path realPath) throws ScriptException {
        String path = realPath.toString();
        Loaded current = loaded.get(path);
        try {
            if (current != null && shared.stillCurrent(current, realPath)) {
                return current;
            }
            return loaded.whileLoading(path, () -> {
                Loaded again = loaded.get(path);
                if (again != null && again != current && shared.stillCurrent(again, realPath)) {
                    return again;
                }
                if (again != null) {
                    linker.forget(again);
                }
                return link(realPath, current == null ? SegmentKey.of(path) : current.key);
            });
        } catch (ScriptException e) {
            if (e.isNotFound() && current != null) {
                loaded.remove(path, current);
            }
            throw e;
        }
    }

    private Loaded link(Path realPath, SegmentKey key) throws ScriptException {
        for (int attempt = 0; attempt < 3; attempt++) {
            SharedCompilePath.Version version = shared.load(realPath, key);
            try {
                Loaded script = linker.link(realPath, key, version.entry(), version.unit(), version.supplied());
                if (script.cached()) {
                    loaded.put(realPath.toString(), script);
                }
                return script;
            } catch (ClassPathChangedException changed) {
                classPathChanged.run();
                throw new ScriptException(realPath + ": " + changed.getMessage(), List.of());
            } catch (StaleUnitException stale) {
                if (version.entry() == null) {
                    throw new ScriptException(realPath + ": " + stale.getMessage(), List.of());
                }
                // Compiled against a version the pool has moved on from: compile it again (that
                // entry only: a successor stored meanwhile stays).
                if (shared.discard(version.entry(), realPath)) {
                    LOG.info("{}; invalidated", LogText.escape(stale.getMessage()));
                }
            }
        }
        throw new ScriptException(realPath + ": the cache kept changing under this worker; try again", List.of());
    }

    /**
     * Loads the segment's version of a script into this process without running any of it, for a
     * new worker's warm-up: copied out of the segment, linked with the units it was compiled
     * against and every class of it defined and verified (not initialised: static initialisers
     * are script code). Never compiles and counts no hit; a request later finds it loaded and
     * revalidates it as any other.
     *
     * @return the classes defined, or -1 when the segment does not hold the script
     * @throws ScriptException the segment's version cannot be loaded (not a unit, stale, compiled
     *                         against other jars, a class that does not define); the first
     *                         request's load deals with it
     */
    public int preload(Path realPath) throws ScriptException {
        String path = realPath.toString();
        Loaded script = loaded.whileLoading(path, () -> {
            Loaded known = loaded.get(path);
            if (known != null && segment.holds(known.entry)) {
                return known;
            }
            SegmentKey key = SegmentKey.of(path);
            SharedCompilePath.Version version = shared.cached(realPath, key);
            if (version == null) {
                return null;
            }
            try {
                Loaded linked = linker.link(realPath, key, version.entry(), version.unit(), Map.of());
                loaded.put(path, linked);
                return linked;
            } catch (StaleUnitException | ClassPathChangedException e) {
                throw new ScriptException(realPath + ": " + e.getMessage(), List.of());
            }
        });
        if (script == null) {
            return -1;
        }
        int defined = 0;
        try {
            for (ClassFile classFile : script.unit.classes()) {
                // Asking for its constructors links (verifies) the class without initialising it:
                // the verification a first request would otherwise pay for.
                Class.forName(classFile.binaryName(), false, script.loader).getDeclaredConstructors();
                defined++;
            }
            if (script.mainClass != null && Script.class.isAssignableFrom(
                    Class.forName(script.mainClass, false, script.loader))) {
                script.constructor(realPath);
            }
        } catch (ClassNotFoundException | LinkageError e) {
            throw new ScriptException(realPath + ": cannot define its classes: " + e, e);
        }
        return defined;
    }

    /**
     * A class declared in another docroot file, by the Java convention docroot/pkg/Name.java: from
     * the unit {@code from} links against when it was compiled against that file, else (a name
     * only reflection asks for) from the file's current version.
     */
    private Class<?> docrootClass(ScriptClassLoader from, String binaryName) throws ClassNotFoundException {
        int nested = binaryName.indexOf('$');
        String topLevel = nested < 0 ? binaryName : binaryName.substring(0, nested);
        Path file = docroot.resolve(topLevel.replace('.', '/') + ".java");
        ScriptClassLoader pinned = from.pin(file.toString());
        if (pinned != null) {
            return pinned.declares(binaryName) ? pinned.loadClass(binaryName) : null;
        }
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        try {
            Loaded other = load(file.toRealPath());
            if (!other.loader.declares(binaryName)) {
                return null;
            }
            return other.loader.loadClass(binaryName);
        } catch (ScriptException | IOException e) {
            throw new ClassNotFoundException(binaryName + " from " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs classes that are not in the docroot (a worker's warm-up script) through the same define
     * and instantiate path as a cached script, in a class loader of their own.
     */
    public BufferedResponse runBundled(List<ClassFile> classes, String mainClass, Request request) throws Exception {
        Path pseudoPath = Path.of("/opcached-bundled", mainClass.substring(mainClass.lastIndexOf('.') + 1) + ".java");
        Loaded bundled = definer.define(pseudoPath, SegmentKey.of(pseudoPath.toString()), null,
                new CompileUnit(Sha256.NONE, Sha256.NONE, List.of(), classes));
        BufferedResponse response = new BufferedResponse();
        ScriptContextClassLoader.call(bundled.loader, () -> {
            bundled.constructor(pseudoPath).newInstance().handle(request, response);
            return null;
        });
        return response;
    }

    /** How many paths this process is loading now (each has a load lock only meanwhile). */
    int pathsLoading() {
        return loaded.pathsLoading();
    }
}
