package dev.opcached.client;

/** A call to the admin endpoint failed; {@link #kind()} says how, which the CLI turns into its exit code. */
public final class OpcachedClientException extends Exception {
    private static final long serialVersionUID = 1L;

    /** How a call failed. */
    public enum Kind {
        /** The server answered with an error (4xx other than 401, or 5xx). */
        SERVER(1),
        /** The token was refused (401), or there is no usable token. */
        AUTHENTICATION(3),
        /** The daemon could not be reached. */
        UNREACHABLE(4),
        /** Something answered at the URL, but not as an opcached admin endpoint does. */
        NOT_OPCACHED(4);

        private final int exitCode;

        Kind(int exitCode) {
            this.exitCode = exitCode;
        }

        /** opcachectl's exit code for this kind. */
        public int exitCode() {
            return exitCode;
        }
    }

    private final Kind kind;

    public OpcachedClientException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public OpcachedClientException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
