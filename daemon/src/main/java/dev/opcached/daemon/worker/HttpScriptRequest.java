package dev.opcached.daemon.worker;

import dev.opcached.script.Request;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A script's view of an HTTP request. The body is copied out of Netty's buffer once, so it
 * outlives it, and handed to the script as it is ({@link Request#body()} promises no copy of its
 * own; one request is one script's); the headers object is not pooled and is kept as it is;
 * parameters are parsed only when a script asks for them.
 */
final class HttpScriptRequest implements Request {
    private final String method;
    private final String path;
    private final String uri;
    private final HttpHeaders headers;
    private final byte[] body;
    /** Formatted only when a script asks: most never do, and every request would pay for the string. */
    private final SocketAddress remoteAddress;
    private Map<String, List<String>> params;

    HttpScriptRequest(FullHttpRequest request, String path, SocketAddress remoteAddress) {
        this.method = request.method().name();
        this.path = path;
        this.uri = request.uri();
        this.headers = request.headers();
        this.body = ByteBufUtil.getBytes(request.content());
        this.remoteAddress = remoteAddress;
    }

    /** Query parameters, then those of a urlencoded form body. */
    private static Map<String, List<String>> parse(String uri, HttpHeaders headers, byte[] body) {
        Map<String, List<String>> all = new LinkedHashMap<>(new QueryStringDecoder(uri).parameters());
        String type = headers.get(HttpHeaderNames.CONTENT_TYPE);
        if (type != null && AsciiString.contains(type.toLowerCase(Locale.ROOT),
                HttpHeaderValues.APPLICATION_X_WWW_FORM_URLENCODED)) {
            new QueryStringDecoder(new String(body, StandardCharsets.UTF_8), false).parameters()
                    .forEach((name, values) -> all.merge(name, values, (a, b) -> {
                        List<String> merged = new ArrayList<>(a);
                        merged.addAll(b);
                        return merged;
                    }));
        }
        return Collections.unmodifiableMap(all);
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String query() {
        int question = uri.indexOf('?');
        return question < 0 ? "" : uri.substring(question + 1);
    }

    @Override
    public Map<String, List<String>> params() {
        Map<String, List<String>> parsed = params;
        if (parsed == null) {
            parsed = parse(uri, headers, body);
            params = parsed;
        }
        return parsed;
    }

    @Override
    public String header(String name) {
        return headers.get(name);
    }

    @Override
    public byte[] body() {
        return body;
    }

    @Override
    public String remoteAddress() {
        return String.valueOf(remoteAddress);
    }
}
