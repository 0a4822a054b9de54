package dev.opcached.daemon.filecache;

/** An entry file that is not a sound, sealed entry for the key and namespace it was read for; the message says why. */
public final class RejectedEntryException extends Exception {
    private static final long serialVersionUID = 1L;

    public RejectedEntryException(String reason) {
        super(reason, null, false, false);
    }
}
