package dev.opcached.script;

/**
 * What a script is: a public top-level class in a {@code .java} file under the docroot that
 * implements this interface and has a public no-argument constructor. One instance is made per
 * request, as PHP runs a file per request; state that must outlive a request goes in static fields,
 * which live as long as the worker keeps this version of the script loaded.
 */
@FunctionalInterface
public interface Script {
    /** Answers one request. Anything thrown becomes a 500 and a log line with its stack trace. */
    void handle(Request request, Response response) throws Exception;
}
