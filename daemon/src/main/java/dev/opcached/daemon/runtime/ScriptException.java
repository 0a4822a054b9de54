package dev.opcached.daemon.runtime;

import java.util.List;

/** A script could not be run: it does not compile, or is not a {@code Script}; carries what to show. */
public final class ScriptException extends Exception {
    private static final long serialVersionUID = 1L;

    private final List<String> diagnostics;
    private final boolean notFound;

    public ScriptException(String message, List<String> diagnostics) {
        super(message);
        this.diagnostics = List.copyOf(diagnostics);
        this.notFound = false;
    }

    public ScriptException(String message, Throwable cause) {
        super(message, cause);
        this.diagnostics = List.of();
        this.notFound = false;
    }

    private ScriptException(String message) {
        super(message);
        this.diagnostics = List.of();
        this.notFound = true;
    }

    /** The script's file is gone (deleted since the URL was resolved): a 404, not a 500. */
    public static ScriptException notFound(Object file) {
        return notFound(file, "no longer exists");
    }

    /** The script's file is not one to run ({@code why}, e.g. it is now a link): a 404, not a 500. */
    public static ScriptException notFound(Object file, String why) {
        return new ScriptException(file + " " + why);
    }

    public boolean isNotFound() {
        return notFound;
    }

    /** Compiler errors, one per line ({@code file:line: error: message}); empty for other failures. */
    public List<String> diagnostics() {
        return diagnostics;
    }
}
