package dev.opcached.daemon.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The arguments of one admin call: its query parameters and its body, read as strict JSON (one
 * object, nothing after it, no unknown or repeated field, no value of another type taken for a
 * string or a boolean).
 */
final class AdminCall {
    private static final ObjectMapper STRICT = strictMapper();

    private final Map<String, List<String>> parameters;
    private final byte[] body;
    private final boolean wantsOneObject;
    private final String accept;

    /** @param accept the request's Accept header, or null */
    AdminCall(Map<String, List<String>> parameters, byte[] body, String accept) {
        this.parameters = parameters;
        this.body = body;
        this.accept = accept;
        String types = accept == null ? "" : accept.toLowerCase(Locale.ROOT);
        this.wantsOneObject = types.contains("application/json") && !types.contains("application/x-ndjson");
    }

    /**
     * Whether the caller asked for one JSON object rather than a stream of lines: its Accept names
     * application/json and not application/x-ndjson (no Accept, or {@code *}{@code /*}, takes the stream).
     */
    boolean wantsOneObject() {
        return wantsOneObject;
    }

    /** The request's Accept header, or null. */
    String accept() {
        return accept;
    }

    /** The first value of a query parameter, or null. */
    String parameter(String name) {
        List<String> values = parameters.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** The body as sent (for the audit line, which escapes it). */
    String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /**
     * The body as a {@code type}.
     *
     * @throws BadRequest when there is none, or it is not exactly one JSON object of that shape
     */
    <T> T body(Class<T> type) {
        if (body.length == 0) {
            throw new BadRequest("a JSON body is required");
        }
        try {
            T value = STRICT.readValue(body, type);
            if (value == null) {
                throw new BadRequest("a JSON object is required, not null");
            }
            return value;
        } catch (UnrecognizedPropertyException e) {
            List<JsonMappingException.Reference> path = e.getPath();
            throw new BadRequest("unknown field \"" + e.getPropertyName() + "\"" + at(path.subList(0, path.size() - 1))
                    + "; known fields: "
                    + e.getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.joining(", ")));
        } catch (JsonMappingException e) {
            if (e.getOriginalMessage().startsWith("Trailing token")) {
                throw new BadRequest("trailing data after the JSON object: send exactly one object");
            }
            throw new BadRequest("unexpected JSON" + at(e.getPath()) + ": " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new BadRequest("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadRequest("unreadable body: " + e.getMessage());
        }
    }

    /** " at paths[0]": where in the body Jackson stopped, in the request's own field names. */
    private static String at(List<JsonMappingException.Reference> references) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : references) {
            if (reference.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.length() == 0 ? "" : " at " + path;
    }

    private static ObjectMapper strictMapper() {
        ObjectMapper mapper = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES,
                        DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .build();
        for (CoercionInputShape shape : new CoercionInputShape[] {CoercionInputShape.Integer, CoercionInputShape.Float,
                CoercionInputShape.Boolean}) {
            mapper.coercionConfigFor(LogicalType.Textual).setCoercion(shape, CoercionAction.Fail);
        }
        return mapper;
    }

    /** A request the client got wrong: a 400 and a sentence. */
    static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message);
        }
    }
}
