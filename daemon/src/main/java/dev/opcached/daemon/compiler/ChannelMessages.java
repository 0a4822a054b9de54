package dev.opcached.daemon.compiler;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.opcached.daemon.compile.FileOutcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The frames of the compiler channel (docs/compiler-channel.md): one JSON object per line, read
 * strictly (nothing after the object, no unknown or repeated field, no coerced scalar).
 */
final class ChannelMessages {
    /** The version of this protocol, told by {@code ping}. */
    static final int PROTOCOL = 1;
    /** The longest request line the compiler reads (paths only: generous). */
    static final int MAX_REQUEST_LINE = 1 << 20;
    /** The longest answer line a client reads: an outcome may carry a unit's class files. */
    static final int MAX_ANSWER_LINE = 256 << 20;

    private static final ObjectMapper JSON = strictMapper();

    private ChannelMessages() {
    }

    private static ObjectMapper strictMapper() {
        ObjectMapper mapper = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES,
                        DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .serializationInclusion(JsonInclude.Include.NON_NULL)
                .build();
        // a number or a boolean where a path is expected is an error, not a path
        for (CoercionInputShape shape : new CoercionInputShape[] {CoercionInputShape.Integer, CoercionInputShape.Float,
                CoercionInputShape.Boolean}) {
            mapper.coercionConfigFor(LogicalType.Textual).setCoercion(shape, CoercionAction.Fail);
        }
        return mapper;
    }

    /**
     * A request: {@code ping}; {@code compile} with its paths and how long the client waits; or
     * {@code discard} with one path and the {@code ref} of its entry that the client found unusable.
     */
    record Request(@JsonProperty("op") String op, @JsonProperty("paths") List<String> paths,
                   @JsonProperty("deadline_ms") Long deadlineMillis, @JsonProperty("ref") Long ref) {
        static Request ping() {
            return new Request("ping", null, null, null);
        }

        static Request compile(List<String> paths, long deadlineMillis) {
            return new Request("compile", paths, deadlineMillis, null);
        }

        static Request discard(String path, long ref) {
            return new Request("discard", List.of(path), null, ref);
        }
    }

    /** {@code discard}'s answer: whether the entry was still the file's, and is invalidated now. */
    record Discarded(@JsonProperty("invalidated") boolean invalidated) {
    }

    /** {@code ping}'s answer. */
    record Pong(@JsonProperty("pid") long pid, @JsonProperty("protocol") int protocol,
                @JsonProperty("queued") int queued, @JsonProperty("running") int running) {
    }

    /** The end of a compile's answer: every distinct path asked has had its outcome. */
    record End(@JsonProperty("files") int files) {
    }

    /** Why a request got no (more) outcomes. */
    record Failure(@JsonProperty("kind") String kind, @JsonProperty("message") String message) {
        /** The request was wrong; sending it again will not help. */
        static final String BAD_REQUEST = "bad-request";
        /** The compiler could not compile now (deadline, engine failure); the outcomes not sent are unknown. */
        static final String UNAVAILABLE = "unavailable";
    }

    /** One answer line: exactly one of its fields is set. */
    record Answer(@JsonProperty("outcome") FileOutcome outcome, @JsonProperty("end") End end,
                  @JsonProperty("error") Failure error, @JsonProperty("pong") Pong pong,
                  @JsonProperty("discarded") Discarded discarded) {
        static Answer of(FileOutcome outcome) {
            return new Answer(outcome, null, null, null, null);
        }

        static Answer end(int files) {
            return new Answer(null, new End(files), null, null, null);
        }

        static Answer badRequest(String message) {
            return new Answer(null, null, new Failure(Failure.BAD_REQUEST, message), null, null);
        }

        static Answer unavailable(String message) {
            return new Answer(null, null, new Failure(Failure.UNAVAILABLE, message), null, null);
        }

        static Answer pong(Pong pong) {
            return new Answer(null, null, null, pong, null);
        }

        static Answer discarded(boolean invalidated) {
            return new Answer(null, null, null, null, new Discarded(invalidated));
        }
    }

    /** A frame that is not what the protocol allows; its message says what was wrong. */
    static final class MalformedFrameException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedFrameException(String message) {
            super(message);
        }
    }

    /** The line of {@code message}, newline included. */
    static byte[] line(Object message) {
        try {
            byte[] json = JSON.writeValueAsBytes(message);
            byte[] line = new byte[json.length + 1];
            System.arraycopy(json, 0, line, 0, json.length);
            line[json.length] = '\n';
            return line;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a channel frame: " + e.getOriginalMessage(), e);
        }
    }

    static Request request(byte[] line) throws MalformedFrameException {
        return read(line, Request.class);
    }

    static Answer answer(byte[] line) throws MalformedFrameException {
        return read(line, Answer.class);
    }

    private static <T> T read(byte[] line, Class<T> type) throws MalformedFrameException {
        try {
            T value = JSON.readValue(line, type);
            if (value == null) {
                throw new MalformedFrameException("a JSON object is required, not null");
            }
            return value;
        } catch (UnrecognizedPropertyException e) {
            throw new MalformedFrameException("unknown field \"" + e.getPropertyName() + "\"; known fields: "
                    + String.join(", ", e.getKnownPropertyIds().stream().map(String::valueOf).sorted().toList()));
        } catch (JsonMappingException e) {
            // well-formed JSON of the wrong shape: a number for a path, a repeated field, a second object
            throw new MalformedFrameException("unexpected JSON: " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new MalformedFrameException("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new MalformedFrameException("unreadable frame: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            // a FileOutcome that breaks its own rules (a unit without NOT_CACHED, say)
            throw new MalformedFrameException("invalid frame: " + e.getMessage());
        }
    }

    /** The first {@code max} characters of a frame, for an error message. */
    static String excerpt(byte[] line, int max) {
        String text = new String(line, 0, Math.min(line.length, max * 4), StandardCharsets.UTF_8);
        return text.length() > max ? text.substring(0, max) + "..." : text;
    }
}
