package dev.opcached.daemon.runtime;

import java.util.List;

/** A script could not be run: it does not compile, or is not a {@code Script}; carries what to show. */
public final class ScriptException extends Exception {
    private static final long serialVersionUID = 1L;

    private final List<String> diagnostics;

    public ScriptException(String message, List<String> diagnostics) {
        super(message);
        this.diagnostics = List.copyOf(diagnostics);
    }

    public ScriptException(String message, Throwable cause) {
        super(message, cause);
        this.diagnostics = List.of();
    }

    /** Compiler errors, one per line ({@code file:line: error: message}); empty for other failures. */
    public List<String> diagnostics() {
        return diagnostics;
    }
}
