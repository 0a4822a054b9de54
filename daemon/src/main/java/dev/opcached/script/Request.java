package dev.opcached.script;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** The request a script answers: an HTTP request, or the arguments of {@code opcached run}. */
public interface Request {
    /** GET, POST, …; "CLI" under {@code opcached run}. */
    String method();

    /** The URL path, decoded, without the query string. */
    String path();

    /** The raw query string, without '?'; empty when there is none. */
    String query();

    /** The first value of a query or form parameter (query first, then a urlencoded form body), or null. */
    default String param(String name) {
        List<String> values = params().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** Every value of every query and form parameter. */
    Map<String, List<String>> params();

    /** The first value of a header (case-insensitive), or null. */
    String header(String name);

    /** The body; empty when there is none. */
    byte[] body();

    /** The body decoded as UTF-8. */
    default String bodyText() {
        return new String(body(), StandardCharsets.UTF_8);
    }

    /** The remote address, "host:port"; "cli" under {@code opcached run}. */
    String remoteAddress();
}
