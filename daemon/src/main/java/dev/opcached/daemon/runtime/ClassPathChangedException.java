package dev.opcached.daemon.runtime;

/**
 * A unit was compiled against other docroot jars than this process's class path holds: a vendor
 * jar changed since the process started, and its class loaders cannot take the new one.
 */
final class ClassPathChangedException extends Exception {
    ClassPathChangedException(String message) {
        super(message, null, false, false);
    }
}
