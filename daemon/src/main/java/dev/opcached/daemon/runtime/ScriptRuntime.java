package dev.opcached.daemon.runtime;

import dev.opcached.daemon.compile.ScriptCompiler;
import dev.opcached.protocol.common.DocrootContainment;
import dev.opcached.protocol.segment.CachedEntry;
import dev.opcached.protocol.segment.ClassFile;
import dev.opcached.protocol.segment.ClassFilePayload;
import dev.opcached.protocol.segment.EpochClock;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentKey;
import dev.opcached.script.Request;
import dev.opcached.script.Script;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * The script runtime of one process, the entry point of the compile path: a script's classes as
 * this process has loaded them ({@link LoadedScripts}) while the segment still holds that version,
 * else the pool's ({@link SharedCompilePath}), compiled at a bounded rate ({@link BoundedCompiler})
 * and defined in a class loader that sees only the script class path ({@link ScriptDefiner},
 * {@link ScriptClassPath}), by the rules of the {@link CachePolicy}.
 */
public final class ScriptRuntime {
    private final Path docroot;
    private final LoadedScripts loaded = new LoadedScripts();
    private final SharedCompilePath shared;
    private final ScriptDefiner definer;

    public ScriptRuntime(Segment segment, Path docroot, CachePolicy policy, EpochClock clock) throws IOException {
        DocrootContainment containment = new DocrootContainment(docroot);
        this.docroot = containment.root();
        ScriptClassPath classPath = ScriptClassPath.of(this.docroot);
        BoundedCompiler compiler = new BoundedCompiler(new ScriptCompiler(containment, classPath), segment, policy);
        this.shared = new SharedCompilePath(segment, new ScriptSource(containment), policy, clock, compiler);
        this.definer = new ScriptDefiner(classPath.parent(), this::docrootClass);
    }

    /** One version of one script file, loaded in this process. */
    public static final class Loaded {
        private final SegmentKey key;
        private final CachedEntry entry;
        private final ScriptClassLoader loader;
        private final String mainClass;
        private volatile Constructor<? extends Script> constructor;

        Loaded(SegmentKey key, CachedEntry entry, ScriptClassLoader loader, String mainClass) {
            this.key = key;
            this.entry = entry;
            this.loader = loader;
            this.mainClass = mainClass;
        }

        /** Whether this version came from the shared cache (false: compiled for this use only). */
        public boolean cached() {
            return entry != null;
        }

        ScriptClassLoader loader() {
            return loader;
        }

        String mainClass() {
            return mainClass;
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
     * holds it; else the segment's; else a new compile.
     */
    public Loaded load(Path realPath) throws ScriptException {
        String path = realPath.toString();
        Loaded current = loaded.get(path);
        try {
            if (current != null && current.entry != null && shared.stillCurrent(current.entry, current.key, realPath)) {
                return current;
            }
            return loaded.whileLoading(path, () -> {
                Loaded again = loaded.get(path);
                if (again != null && again != current && again.entry != null
                        && shared.stillCurrent(again.entry, again.key, realPath)) {
                    return again;
                }
                SegmentKey key = current == null ? SegmentKey.of(path) : current.key;
                SharedCompilePath.Version version = shared.load(realPath, key);
                Loaded script = definer.define(realPath, key, version.entry(), version.classes());
                if (version.entry() != null) {
                    loaded.put(path, script);
                }
                return script;
            });
        } catch (ScriptException e) {
            if (e.isNotFound() && current != null) {
                loaded.remove(path, current);
            }
            throw e;
        }
    }

    /**
     * opcache_compile_file() for the admin side: puts the script into the segment (or reports why
     * not) and keeps nothing in this process, no class loader and no lock.
     *
     * @throws ScriptException it does not compile, or is gone
     */
    public CompileOutcome compileIntoCache(Path realPath) throws ScriptException {
        return shared.compileIntoCache(realPath, SegmentKey.of(realPath.toString()));
    }

    /** A class declared in another docroot file, by the Java convention docroot/pkg/Name.java. */
    private Class<?> docrootClass(String binaryName) throws ClassNotFoundException {
        int nested = binaryName.indexOf('$');
        String topLevel = nested < 0 ? binaryName : binaryName.substring(0, nested);
        Path file = docroot.resolve(topLevel.replace('.', '/') + ".java");
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
                ClassFilePayload.decode(ClassFilePayload.encode(classes)));
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

    /** Forgets every loaded script (their classes go once no request uses them). */
    public void clear() {
        loaded.clear();
    }
}
