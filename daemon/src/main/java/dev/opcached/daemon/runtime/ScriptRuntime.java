package dev.opcached.daemon.runtime;

import dev.opcached.daemon.config.Directives;
import dev.opcached.protocol.segment.CachedEntry;
import dev.opcached.protocol.segment.ClassFile;
import dev.opcached.protocol.segment.ClassFilePayload;
import dev.opcached.protocol.segment.CompileClaim;
import dev.opcached.protocol.segment.EntryMetadata;
import dev.opcached.protocol.segment.EpochClock;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentKey;
import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.segment.StoreOutcome;
import dev.opcached.script.Script;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compile path of one process: keeps the classes of each script it runs, checks on every use
 * that the segment still holds that version, copies another process's compiled bytecode out of
 * the segment rather than compiling, and compiles (once for the whole pool) on a miss.
 */
public final class ScriptRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(ScriptRuntime.class);

    /** How the cache treats script files; the OPcache directives that decide it. */
    public record Policy(boolean validateTimestamps, long revalidateFreqMillis, long fileUpdateProtectionMillis,
                         long maxFileSize, Blacklist blacklist, long compileTimeoutMillis) {

        /** The policy the directives describe (reads the blacklist file). */
        public static Policy of(Directives config) throws IOException {
            return new Policy(config.flag(Directives.VALIDATE_TIMESTAMPS),
                    config.number(Directives.REVALIDATE_FREQ) * 1000,
                    config.number(Directives.FILE_UPDATE_PROTECTION) * 1000,
                    config.number(Directives.MAX_FILE_SIZE),
                    Blacklist.read(config.string(Directives.BLACKLIST_FILENAME)),
                    config.number(Directives.COMPILE_TIMEOUT) * 1000);
        }
    }

    private final Segment segment;
    private final Path docroot;
    private final ScriptCompiler compiler;
    private final Policy policy;
    private final EpochClock clock;
    private final Map<String, Loaded> loaded = new ConcurrentHashMap<>();
    private final Map<String, Object> pathLocks = new ConcurrentHashMap<>();

    public ScriptRuntime(Segment segment, Path docroot, Policy policy, EpochClock clock) throws IOException {
        this.segment = segment;
        this.docroot = docroot.toRealPath();
        this.compiler = new ScriptCompiler(this.docroot);
        this.policy = policy;
        this.clock = clock;
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
    }

    /** A new instance of the script at {@code realPath}, loaded, validated, compiled as needed. */
    public Script instantiate(Path realPath) throws ScriptException {
        Loaded script = load(realPath);
        Constructor<? extends Script> constructor = script.constructor;
        if (constructor == null) {
            constructor = scriptConstructor(script, realPath);
            script.constructor = constructor;
        }
        try {
            return constructor.newInstance();
        } catch (ReflectiveOperationException e) {
            throw new ScriptException(realPath + ": cannot instantiate " + script.mainClass + ": " + e.getCause(), e);
        }
    }

    private static Constructor<? extends Script> scriptConstructor(Loaded script, Path realPath) throws ScriptException {
        if (script.mainClass == null) {
            throw new ScriptException(realPath + " declares no top-level class named after the file", List.of());
        }
        try {
            Class<?> main = script.loader.loadClass(script.mainClass);
            if (!Script.class.isAssignableFrom(main)) {
                throw new ScriptException(realPath + ": " + script.mainClass + " does not implement "
                        + Script.class.getName(), List.of());
            }
            return main.asSubclass(Script.class).getConstructor();
        } catch (ClassNotFoundException | NoClassDefFoundError | NoSuchMethodException e) {
            throw new ScriptException(realPath + ": cannot load " + script.mainClass + ": " + e, e);
        }
    }

    /**
     * The current version of a script: the one this process already runs while the segment still
     * holds it; else the segment's; else a new compile.
     */
    public Loaded load(Path realPath) throws ScriptException {
        String path = realPath.toString();
        Loaded current = loaded.get(path);
        if (current != null && stillCurrent(current, realPath)) {
            return current;
        }
        synchronized (pathLocks.computeIfAbsent(path, p -> new Object())) {
            Loaded again = loaded.get(path);
            if (again != null && again != current && again.entry != null && segment.hitIfCurrent(again.entry)) {
                return again;
            }
            return loadShared(realPath, current == null ? SegmentKey.of(path) : current.key);
        }
    }

    private boolean stillCurrent(Loaded current, Path realPath) {
        if (!segment.hitIfCurrent(current.entry)) {
            return false;
        }
        if (!policy.validateTimestamps()) {
            return true;
        }
        // With revalidate_freq 0 every use stats, as OPcache does, without the pool-wide claim:
        // a compare-and-swap per request on a shared line costs more than the stat.
        if (policy.revalidateFreqMillis() > 0 && !segment.claimRevalidation(current.entry, policy.revalidateFreqMillis())) {
            return true;
        }
        SourceStamp stamp = SourceStamp.of(realPath);
        if (stamp != null && stamp.matches(current.entry.metadata())) {
            return true;
        }
        // Changed on disk: drop it for the whole pool; the caller recompiles.
        if (segment.invalidate(current.key, false)) {
            LOG.info("{} changed on disk; invalidated", realPath);
        }
        return false;
    }

    private Loaded loadShared(Path realPath, SegmentKey key) throws ScriptException {
        for (int attempt = 0; attempt < 3; attempt++) {
            CachedEntry entry = segment.lookup(key);
            if (entry != null) {
                byte[] payload = entry.copyPayload();
                if (payload != null) {
                    Loaded loadedScript = define(realPath, key, entry, ClassFilePayload.decode(payload));
                    loaded.put(realPath.toString(), loadedScript);
                    return loadedScript;
                }
                continue;
            }
            SourceStamp stamp = SourceStamp.of(realPath);
            if (stamp == null) {
                throw ScriptException.notFound(realPath);
            }
            String notCacheable = notCacheable(realPath, stamp);
            if (notCacheable != null) {
                LOG.debug("{} not cached: {}", realPath, notCacheable);
                return define(realPath, key, null, compile(realPath, stamp).classes());
            }
            CompileClaim claim = segment.awaitCompile(key, policy.compileTimeoutMillis(), policy.compileTimeoutMillis());
            if (claim.kind() == CompileClaim.Kind.CACHED) {
                continue;
            }
            CompiledScript compilation;
            try {
                compilation = compile(realPath, stamp);
            } catch (ScriptException | RuntimeException e) {
                if (claim.kind() == CompileClaim.Kind.OWNER) {
                    segment.abandonCompile(key);
                }
                throw e;
            }
            EntryMetadata metadata = new EntryMetadata(stamp.mtimeMillis(), stamp.size(), compilation.contentHash(),
                    clock.millis(), compilation.micros());
            StoreOutcome outcome = segment.store(key, metadata, ClassFilePayload.encode(compilation.classes()));
            if (outcome != StoreOutcome.STORED) {
                LOG.warn("{} compiled but not cached: {}", realPath, outcome);
                if (claim.kind() == CompileClaim.Kind.OWNER) {
                    segment.abandonCompile(key);
                }
                return define(realPath, key, null, compilation.classes());
            }
        }
        throw new ScriptException(realPath + ": the cache kept changing under this worker; try again", List.of());
    }

    /** Why a script may not be cached (OPcache's rules), or null. */
    private String notCacheable(Path realPath, SourceStamp stamp) {
        if (policy.blacklist().matches(realPath.toString())) {
            segment.countBlacklistMiss();
            return "blacklisted";
        }
        if (policy.maxFileSize() > 0 && stamp.size() > policy.maxFileSize()) {
            return "larger than opcache.max_file_size";
        }
        if (clock.millis() - stamp.mtimeMillis() < policy.fileUpdateProtectionMillis()) {
            return "modified less than opcache.file_update_protection ago";
        }
        return null;
    }

    private CompiledScript compile(Path realPath, SourceStamp stamp) throws ScriptException {
        byte[] text;
        try {
            text = Files.readAllBytes(realPath);
        } catch (NoSuchFileException e) {
            throw ScriptException.notFound(realPath);
        } catch (IOException e) {
            throw new ScriptException(realPath + ": cannot read: " + e, e);
        }
        ScriptCompiler.Compilation compilation;
        try {
            compilation = compiler.compile(realPath, text);
        } catch (IOException e) {
            throw new ScriptException(realPath + ": compiler failed: " + e, e);
        }
        segment.countCompile();
        if (!compilation.success()) {
            LOG.warn("compile of {} failed in {} ms:\n{}", realPath, compilation.micros() / 1000,
                    String.join("\n", compilation.diagnostics()));
            throw new ScriptException(realPath + " does not compile", compilation.diagnostics());
        }
        long bytes = compilation.classes().stream().mapToLong(c -> c.bytes().length).sum();
        LOG.info("compiled {} in {} ms: {} classes, {} bytes", realPath, compilation.micros() / 1000,
                compilation.classes().size(), bytes);
        CRC32C hash = new CRC32C();
        hash.update(text);
        return new CompiledScript(compilation.classes(), hash.getValue(), compilation.micros());
    }

    private record CompiledScript(List<ClassFile> classes, long contentHash, long micros) {
    }

    private Loaded define(Path realPath, SegmentKey key, CachedEntry entry, List<ClassFile> classes) {
        Map<String, byte[]> byName = new HashMap<>();
        for (ClassFile classFile : classes) {
            byName.put(classFile.binaryName(), classFile.bytes());
        }
        String base = realPath.getFileName().toString().replaceFirst("\\.java$", "");
        String mainClass = byName.keySet().stream()
                .filter(name -> name.equals(base) || name.endsWith("." + base))
                .findFirst().orElse(null);
        ScriptClassLoader loader = new ScriptClassLoader(realPath.toString(), ScriptRuntime.class.getClassLoader(),
                byName, this::docrootClass);
        return new Loaded(key, entry, loader, mainClass);
    }

    /** A class declared in another docroot file, by the Java convention docroot/pkg/Name.java. */
    private Class<?> docrootClass(String binaryName) throws ClassNotFoundException {
        int nested = binaryName.indexOf('$');
        String topLevel = nested < 0 ? binaryName : binaryName.substring(0, nested);
        Path file = docroot.resolve(topLevel.replace('.', '/') + ".java");
        if (!Files.isRegularFile(file)) {
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
    public BufferedResponse runBundled(List<ClassFile> classes, String mainClass, dev.opcached.script.Request request)
            throws Exception {
        Path pseudoPath = Path.of("/opcached-bundled", mainClass.substring(mainClass.lastIndexOf('.') + 1) + ".java");
        Loaded bundled = define(pseudoPath, SegmentKey.of(pseudoPath.toString()), null,
                ClassFilePayload.decode(ClassFilePayload.encode(classes)));
        BufferedResponse response = new BufferedResponse();
        scriptConstructor(bundled, pseudoPath).newInstance().handle(request, response);
        return response;
    }

    /** Forgets every loaded script (their classes go once no request uses them). */
    public void clear() {
        loaded.clear();
    }
}
