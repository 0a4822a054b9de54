package dev.opcached.daemon.runtime;

import dev.opcached.protocol.common.LogText;
import java.security.Permission;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps scripts from ending the process: {@code System.exit} and {@code Runtime.halt} throw a
 * {@link SecurityException} (the script's request gets a 500) when a script's or a vendor jar's
 * class is on the calling stack, and go ahead otherwise. Everything else is permitted without a
 * check; this is not a sandbox (see docs/architecture.md, what a script can and cannot do).
 * The JDK 17 mechanism for vetoing an exit is a security manager; the JVM is started with
 * {@code -Djava.security.manager=allow} so that later JDKs still accept one.
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
        // JDK 17 prints a deprecation notice (JEP 411) at this call, on its initial stderr, past
        // any logger; a worker's supervisor drops it from the worker's output (WorkerLogRelay).
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
            LOG.warn("refused exit({}) called by script class {}", status, LogText.escape(script.getName()));
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

    // The checks the JDK makes on hot paths (a stat, a socket, a property, a class load) would each
    // build a Permission just to reach the no-op above: these skip even that.

    @Override
    public void checkRead(String file) {
    }

    @Override
    public void checkRead(String file, Object context) {
    }

    @Override
    public void checkRead(java.io.FileDescriptor fd) {
    }

    @Override
    public void checkWrite(String file) {
    }

    @Override
    public void checkWrite(java.io.FileDescriptor fd) {
    }

    @Override
    public void checkDelete(String file) {
    }

    @Override
    public void checkConnect(String host, int port) {
    }

    @Override
    public void checkConnect(String host, int port, Object context) {
    }

    @Override
    public void checkAccept(String host, int port) {
    }

    @Override
    public void checkListen(int port) {
    }

    @Override
    public void checkPropertyAccess(String key) {
    }

    @Override
    public void checkPackageAccess(String pkg) {
    }

    @Override
    public void checkAccess(Thread thread) {
    }

    @Override
    public void checkAccess(ThreadGroup group) {
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
