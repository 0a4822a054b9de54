package dev.opcached.protocol.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/** The request and response bodies of the admin endpoint other than status (see docs/admin-api.md). */
public final class AdminMessages {
    private AdminMessages() {
    }

    /** {@code POST /reset}: the restart is done when this is sent. */
    public record ResetResponse(
            @JsonProperty("generation") long generation,
            @JsonProperty("manual_restarts") long manualRestarts,
            @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("compiled_first") Integer compiledFirst) {
    }

    /** {@code POST /invalidate}: {@code paths} (with {@code force}) or {@code prefix}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record InvalidateRequest(
            @JsonProperty("paths") List<String> paths,
            @JsonProperty("force") Boolean force,
            @JsonProperty("prefix") String prefix) {
    }

    /** Which scripts were invalidated. */
    /**
     * What an invalidation did.
     *
     * @param invalidated the scripts invalidated as asked
     * @param dependents  the scripts invalidated because they were compiled against one of those
     *                    files (a file is a dependency whether or not it is cached itself)
     */
    public record InvalidateResponse(@JsonProperty("invalidated") List<String> invalidated,
                                     @JsonProperty("dependents") List<String> dependents) {
    }

    /** {@code POST /compile}: files or directories (every .java below). */
    public record CompileRequest(@JsonProperty("paths") List<String> paths) {
    }

    /** The {@code type} of each line of a streamed {@code POST /compile} (application/x-ndjson). */
    public static final String COMPILE_START = "start";
    /** A file's outcome: {@link CompileFile}. */
    public static final String COMPILE_FILE = "file";
    /** Sent while no file's outcome has come for a while: {@link CompileProgress}. */
    public static final String COMPILE_PROGRESS = "progress";
    /** The last line of a complete stream: {@link CompileResponse}. */
    public static final String COMPILE_SUMMARY = "summary";
    /** The last line of a stream cut short by a failure of the call itself: {@link CompileError}. */
    public static final String COMPILE_ERROR = "error";

    /** The first line of a streamed compile: how many file lines follow (for a progress bar). */
    public record CompileStart(@JsonProperty("type") String type, @JsonProperty("files") int files) {
        public CompileStart(int files) {
            this(COMPILE_START, files);
        }
    }

    /**
     * One file's outcome, sent as soon as it is known.
     *
     * @param status      {@code compiled}, {@code current}, {@code file_cache}, {@code failed},
     *                    {@code not_cached} or {@code not_found}
     * @param error       why, for {@code failed} and {@code not_found}; else absent
     * @param reason      why it is not stored, for {@code not_cached}; else absent
     * @param diagnostics javac's errors for a file that does not compile; else empty
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CompileFile(
            @JsonProperty("type") String type,
            @JsonProperty("path") String path,
            @JsonProperty("status") String status,
            @JsonProperty("error") String error,
            @JsonProperty("reason") String reason,
            @JsonProperty("diagnostics") List<String> diagnostics) {
        public CompileFile(String path, String status, String error, String reason, List<String> diagnostics) {
            this(COMPILE_FILE, path, status, error, reason, diagnostics);
        }

        /** Whether this file counts as a failure ({@code failed} or {@code not_found}). */
        public boolean failed() {
            return "failed".equals(status) || "not_found".equals(status);
        }
    }

    /** Files done so far, of {@code files}: sent while a batch compiles and no file line has come for a while. */
    public record CompileProgress(@JsonProperty("type") String type, @JsonProperty("done") int done,
                                  @JsonProperty("files") int files) {
        public CompileProgress(int done, int files) {
            this(COMPILE_PROGRESS, done, files);
        }
    }

    /**
     * What a compile request did: the last line of the stream, or the whole answer to
     * {@code Accept: application/json}.
     *
     * @param files    the file lines sent
     * @param totals   files by status (every status, zeros included)
     * @param compiled files that compiled (stored or not): the field of the single-object answer of old
     * @param cached   files whose current version is in the cache now
     * @param failed   the files counted as failed or not found, with why
     */
    public record CompileResponse(
            @JsonProperty("type") String type,
            @JsonProperty("files") int files,
            @JsonProperty("totals") Map<String, Integer> totals,
            @JsonProperty("compiled") int compiled,
            @JsonProperty("cached") int cached,
            @JsonProperty("failed") List<CompileFailure> failed) {
    }

    /** One script that did not compile (or was refused, or is not there), with javac's diagnostics. */
    public record CompileFailure(
            @JsonProperty("path") String path,
            @JsonProperty("message") String message,
            @JsonProperty("diagnostics") List<String> diagnostics) {
    }

    /** The last line of a streamed compile that failed as a whole after its first line (no summary follows). */
    public record CompileError(@JsonProperty("type") String type, @JsonProperty("error") String error) {
        public CompileError(String error) {
            this(COMPILE_ERROR, error);
        }
    }

    /** {@code POST /stat/clear}: every worker drops its realpath cache before its next request. */
    public record StatClearResponse(@JsonProperty("stat_generation") long statGeneration) {
    }

    /** {@code GET /configuration}: opcache_get_configuration()'s shape. */
    public record ConfigurationResponse(
            @JsonProperty("directives") Map<String, Object> directives,
            @JsonProperty("version") Version version,
            @JsonProperty("blacklist") List<String> blacklist) {
    }

    /** {@code version} of the configuration. */
    public record Version(
            @JsonProperty("version") String version,
            @JsonProperty("opcache_product_name") String productName) {
    }

    /** Any failure: a sentence saying what was wrong. */
    public record ErrorResponse(@JsonProperty("error") String error) {
    }
}
