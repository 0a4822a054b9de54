package dev.opcached.daemon.runtime;

import java.util.Map;

/**
 * The classes of one compile unit (one version of one docroot file). Its own classes first; then
 * the worker's class path (the JDK, the script API, the vendor jars); then the other docroot
 * files: those the unit was compiled against from the exact units it was compiled against (its
 * pins, set once by the {@link UnitLinker} before any class is loaded), any other (a name only
 * reflection asks for) from that file's current version, as PHP's autoloader includes files on
 * first use.
 */
final class ScriptClassLoader extends ClassLoader {
    static {
        registerAsParallelCapable();
    }

    /** Finds a class declared in another docroot file for {@code from}; null when there is none. */
    @FunctionalInterface
    interface DocrootClasses {
        Class<?> find(ScriptClassLoader from, String binaryName) throws ClassNotFoundException;
    }

    private final Map<String, byte[]> classes;
    private final DocrootClasses docroot;
    /** Real path of a docroot source to the loader of the unit of it this one links against. */
    private volatile Map<String, ScriptClassLoader> pins = Map.of();

    ScriptClassLoader(String name, ClassLoader parent, Map<String, byte[]> classes, DocrootClasses docroot) {
        super(name, parent);
        this.classes = classes;
        this.docroot = docroot;
    }

    boolean declares(String binaryName) {
        return classes.containsKey(binaryName);
    }

    /** The loader this one links against for the docroot source at {@code path}, or null. */
    ScriptClassLoader pin(String path) {
        return pins.get(path);
    }

    void pin(Map<String, ScriptClassLoader> pins) {
        this.pins = Map.copyOf(pins);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(name)) {
            Class<?> loaded = findLoadedClass(name);
            if (loaded == null) {
                byte[] code = classes.get(name);
                if (code != null) {
                    loaded = defineClass(name, code, 0, code.length);
                }
            }
            if (loaded == null) {
                try {
                    loaded = getParent().loadClass(name);
                } catch (ClassNotFoundException notOnClassPath) {
                    loaded = docroot.find(this, name);
                    if (loaded == null) {
                        throw notOnClassPath;
                    }
                }
            }
            if (resolve) {
                resolveClass(loaded);
            }
            return loaded;
        }
    }
}
