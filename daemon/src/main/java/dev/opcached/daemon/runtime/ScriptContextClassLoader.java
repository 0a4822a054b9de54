package dev.opcached.daemon.runtime;

/**
 * Runs script code (its static initialisers, its handler) with the thread's context class loader
 * set to the script's own loader, and puts the previous one back afterwards. Libraries that look
 * classes up through the context loader ({@code ServiceLoader.load(Class)}, JAXB, logging facades)
 * would otherwise reach the worker's class path through it, around the class loader that keeps
 * scripts to the JDK, the script API and {@code vendor/*.jar}. Threads the script starts inherit it.
 */
final class ScriptContextClassLoader {
    private ScriptContextClassLoader() {
    }

    /** Script code that returns a value (null for none) and may throw {@code E}. */
    @FunctionalInterface
    interface ScriptCode<T, E extends Exception> {
        T run() throws E;
    }

    /**
     * {@code code}'s result, run with {@code scriptLoader} as the context class loader; the
     * thread's own loader is back when this returns or throws, whatever the script set meanwhile.
     */
    static <T, E extends Exception> T call(ClassLoader scriptLoader, ScriptCode<T, E> code) throws E {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        if (previous == scriptLoader) {
            // Already inside a call for this script (its constructor inside its request): no swap,
            // which costs a permission check each way under the exit guard.
            return code.run();
        }
        thread.setContextClassLoader(scriptLoader);
        try {
            return code.run();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
