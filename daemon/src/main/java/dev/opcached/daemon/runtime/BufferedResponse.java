package dev.opcached.daemon.runtime;

import dev.opcached.script.Response;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A response kept in memory until the script returns. */
public final class BufferedResponse implements Response {
    private int status = 200;
    private final Map<String, String[]> headers = new LinkedHashMap<>();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();

    @Override
    public Response status(int status) {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status must be 100..599: status=" + status);
        }
        this.status = status;
        return this;
    }

    @Override
    public Response header(String name, String value) {
        if (name.isEmpty() || name.chars().anyMatch(c -> c <= ' ' || c == ':' || c > '~')
                || value.chars().anyMatch(c -> c == '\r' || c == '\n')) {
            throw new IllegalArgumentException("invalid header: " + name);
        }
        headers.put(name.toLowerCase(Locale.ROOT), new String[] {name, value});
        return this;
    }

    @Override
    public Response write(CharSequence text) {
        body.writeBytes(text.toString().getBytes(StandardCharsets.UTF_8));
        return this;
    }

    @Override
    public Response write(byte[] bytes) {
        body.writeBytes(bytes);
        return this;
    }

    public int status() {
        return status;
    }

    /** Header name (as the script wrote it) to value. */
    public Map<String, String> headers() {
        Map<String, String> out = new LinkedHashMap<>();
        headers.values().forEach(pair -> out.put(pair[0], pair[1]));
        return out;
    }

    public byte[] body() {
        return body.toByteArray();
    }
}
