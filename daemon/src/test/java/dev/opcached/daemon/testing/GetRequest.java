package dev.opcached.daemon.testing;

import dev.opcached.script.Request;
import java.util.List;
import java.util.Map;

/** A GET of {@code path} with nothing else in it: no query, parameters, headers or body. */
public record GetRequest(String path) implements Request {
    @Override
    public String method() {
        return "GET";
    }

    @Override
    public String query() {
        return "";
    }

    @Override
    public Map<String, List<String>> params() {
        return Map.of();
    }

    @Override
    public String header(String name) {
        return null;
    }

    @Override
    public byte[] body() {
        return new byte[0];
    }

    @Override
    public String remoteAddress() {
        return "test";
    }
}
