package dev.opcached.daemon.runtime;

import java.security.Permission;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps scripts from ending the process: {@code System.exit} and {@code Runtime.halt} throw a
 * {@link SecurityException} (the script's request gets a 500) when a script's or a vendor jar's
 * class is on the calling stack, and go ahead otherwise. Everything else is permitted without a
 * check; this is not a sandbox (see docs/architecture.md, what a script can and cannot do).
 * The JDK 17 mechanism for vetoing an exit is a security manager; the JVM needs
 * {@code -Djava.security.manager=allow} to take one without a deprecation warning.
 */
public final class ScriptExitGuard extends SecurityManager {
    private static final Logger LOG = LoggerFactory.getLogger(ScriptExitGuard.class);
    private static final RuntimePermission SET_SECURITY_MANAGER = new RuntimePermission("setSecurityManager");

    private ScriptExitGuard() {
    }

    /** Installs the guard for this process, once; logs (and leaves scripts able to exit) if the JVM refuses. */
    public static synchronized void install() {
        if (System.getSecurityManager() instanceof ScriptExitGuard) {
            return;
        }
        try {
            System.setSecurityManager(new ScriptExitGuard());
        } catch (UnsupportedOperationException | SecurityException e) {
            LOG.warn("cannot guard against scripts calling System.exit ({}): start the JVM with"
                    + " -Djava.security.manager=allow", e.toString());
        }
    }

    @Override
    public void checkExit(int status) {
        Class<?> script = scriptOnStack();
        if (script != null) {
            LOG.warn("refused exit({}) called by script class {}", status, script.getName());
            throw new SecurityException("a script may not end the worker: exit(" + status + ") refused");
        }
    }

    @Override
    public void checkPermission(Permission permission) {
        // Only the guard itself needs guarding: a script could otherwise remove it first.
        if (SET_SECURITY_MANAGER.equals(permission) && scriptOnStack() != null) {
            throw new SecurityException("a script may not replace the security manager");
        }
    }

    @Override
    public void checkPermission(Permission permission, Object context) {
        checkPermission(permission);
    }

    private Class<?> scriptOnStack() {
        for (Class<?> frame : getClassContext()) {
            ClassLoader loader = frame.getClassLoader();
            if (loader instanceof ScriptClassLoader || loader instanceof VendorClassLoader) {
                return frame;
            }
        }
        return null;
    }
}
