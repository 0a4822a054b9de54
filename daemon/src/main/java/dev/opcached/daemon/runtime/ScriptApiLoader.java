package dev.opcached.daemon.runtime;

/**
 * The root of what scripts can load: the JDK modules of the platform class loader, and the script
 * API package from the process's own loader; nothing else of the process (Netty, Jackson, the
 * segment) is reachable by name.
 */
final class ScriptApiLoader extends ClassLoader {
    static {
        registerAsParallelCapable();
    }

    private final ClassLoader application;

    ScriptApiLoader(ClassLoader application) {
        super("opcached-script-api", ClassLoader.getPlatformClassLoader());
        this.application = application;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        int dot = name.lastIndexOf('.');
        if (dot > 0 && name.regionMatches(0, ScriptClassPath.API_PACKAGE, 0, dot)
                && dot == ScriptClassPath.API_PACKAGE.length()) {
            return application.loadClass(name);
        }
        return super.loadClass(name, resolve);
    }
}
