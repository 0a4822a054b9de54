package dev.opcached.daemon.runtime;

import dev.opcached.protocol.segment.CachedEntry;
import dev.opcached.protocol.segment.ClassFile;
import dev.opcached.protocol.segment.SegmentKey;
import dev.opcached.protocol.unit.CompileUnit;
import dev.opcached.script.Script;
import java.lang.reflect.Constructor;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a compile unit into a loaded one: its own {@link ScriptClassLoader} over the scripts'
 * class path, and the constructor of its main class (the top-level class named after the file,
 * which must implement {@link Script}).
 */
final class ScriptDefiner {
    private final ClassLoader parent;
    private final ScriptClassLoader.DocrootClasses docroot;

    ScriptDefiner(ClassLoader parent, ScriptClassLoader.DocrootClasses docroot) {
        this.parent = parent;
        this.docroot = docroot;
    }

    ScriptRuntime.Loaded define(Path realPath, SegmentKey key, CachedEntry entry, CompileUnit unit) {
        Map<String, byte[]> byName = new HashMap<>();
        for (ClassFile classFile : unit.classes()) {
            byName.put(classFile.binaryName(), classFile.bytes());
        }
        String base = realPath.getFileName().toString().replaceFirst("\\.java$", "");
        String mainClass = byName.keySet().stream()
                .filter(name -> name.equals(base) || name.endsWith("." + base))
                .findFirst().orElse(null);
        return new ScriptRuntime.Loaded(key, entry, unit,
                new ScriptClassLoader(realPath.toString(), parent, byName, docroot), mainClass);
    }

    static Constructor<? extends Script> constructor(ScriptRuntime.Loaded script, Path realPath) throws ScriptException {
        if (script.mainClass() == null) {
            throw new ScriptException(realPath + " declares no top-level class named after the file", List.of());
        }
        try {
            Class<?> main = script.loader().loadClass(script.mainClass());
            if (!Script.class.isAssignableFrom(main)) {
                throw new ScriptException(realPath + ": " + script.mainClass() + " does not implement "
                        + Script.class.getName(), List.of());
            }
            return main.asSubclass(Script.class).getConstructor();
        } catch (ClassNotFoundException | LinkageError | NoSuchMethodException e) {
            throw new ScriptException(realPath + ": cannot load " + script.mainClass() + ": " + e, e);
        }
    }
}
