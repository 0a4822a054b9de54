package dev.opcached.daemon.worker;

import dev.opcached.script.Request;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A script's view of an HTTP request: copied out of Netty's buffers, so it outlives them. */
final class HttpScriptRequest implements Request {
    private final String method;
    private final String path;
    private final String query;
    private final HttpHeaders headers;
    private final byte[] body;
    private final String remoteAddress;
    private final Map<String, List<String>> params;

    HttpScriptRequest(FullHttpRequest request, String path, String remoteAddress) {
        this.method = request.method().name();
        this.path = path;
        String uri = request.uri();
        int question = uri.indexOf('?');
        this.query = question < 0 ? "" : uri.substring(question + 1);
        this.headers = request.headers().copy();
        byte[] content = new byte[request.content().readableBytes()];
        request.content().getBytes(request.content().readerIndex(), content);
        this.body = content;
        this.remoteAddress = remoteAddress;
        Map<String, List<String>> all = new LinkedHashMap<>(new QueryStringDecoder(uri).parameters());
        String type = headers.get(HttpHeaderNames.CONTENT_TYPE);
        if (type != null && AsciiString.contains(type.toLowerCase(), HttpHeaderValues.APPLICATION_X_WWW_FORM_URLENCODED)) {
            new QueryStringDecoder(new String(body, StandardCharsets.UTF_8), false).parameters()
                    .forEach((name, values) -> all.merge(name, values, (a, b) -> {
                        List<String> merged = new java.util.ArrayList<>(a);
                        merged.addAll(b);
                        return merged;
                    }));
        }
        this.params = Collections.unmodifiableMap(all);
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
        return query;
    }


    @Override
    public Map<String, List<String>> params() {
        return params;
    }

    @Override
    public String header(String name) {
        return headers.get(name);
    }

    @Override
    public byte[] body() {
        return body.clone();
    }


    @Override
    public String remoteAddress() {
        return remoteAddress;
    }
}
