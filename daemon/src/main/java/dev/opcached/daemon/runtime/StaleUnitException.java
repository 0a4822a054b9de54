package dev.opcached.daemon.runtime;

/**
 * A unit cannot be linked with the exact versions of the docroot sources it was compiled against:
 * the segment no longer holds one of them (it changed and was compiled again, or was
 * invalidated). The unit must be compiled again against what is current.
 */
final class StaleUnitException extends Exception {
    StaleUnitException(String message) {
        super(message, null, false, false);
    }
}
