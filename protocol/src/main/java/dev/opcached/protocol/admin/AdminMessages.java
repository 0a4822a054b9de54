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

    /** What a compile request did. */
    public record CompileResponse(
            @JsonProperty("compiled") int compiled,
            @JsonProperty("cached") int cached,
            @JsonProperty("failed") List<CompileFailure> failed) {
    }

    /** One script that did not compile, with javac's diagnostics. */
    public record CompileFailure(
            @JsonProperty("path") String path,
            @JsonProperty("message") String message,
            @JsonProperty("diagnostics") List<String> diagnostics) {
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
