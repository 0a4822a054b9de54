package dev.opcached.daemon.runtime;

import java.net.URL;
import java.net.URLClassLoader;

/** The docroot's {@code vendor/*.jar}, shared by all scripts of the process, over the script API. */
final class VendorClassLoader extends URLClassLoader {
    static {
        registerAsParallelCapable();
    }

    VendorClassLoader(URL[] jars, ClassLoader scriptApi) {
        super("opcached-vendor", jars, scriptApi);
    }
}
