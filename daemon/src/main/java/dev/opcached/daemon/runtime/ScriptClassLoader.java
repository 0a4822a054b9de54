package dev.opcached.daemon.runtime;

import java.util.Map;

/**
 * The classes of one version of one script file. Its own classes first; then the worker's class
 * path (the JDK, the script API); then the other docroot files, each loaded through the cache as
 * its own entry, as PHP's autoloader includes files on first use.
 */
final class ScriptClassLoader extends ClassLoader {
    static {
        registerAsParallelCapable();
    }

    /** Finds a class declared in another docroot file; null when there is none. */
    @FunctionalInterface
    interface DocrootClasses {
        Class<?> find(String binaryName) throws ClassNotFoundException;
    }

    private final Map<String, byte[]> classes;
    private final DocrootClasses docroot;

    ScriptClassLoader(String name, ClassLoader parent, Map<String, byte[]> classes, DocrootClasses docroot) {
        super(name, parent);
        this.classes = classes;
        this.docroot = docroot;
    }

    boolean declares(String binaryName) {
        return classes.containsKey(binaryName);
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
                    loaded = docroot.find(name);
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
