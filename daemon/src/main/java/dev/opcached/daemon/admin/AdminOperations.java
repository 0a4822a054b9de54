package dev.opcached.daemon.admin;

import dev.opcached.daemon.config.Directive;
import dev.opcached.daemon.config.Directives;
import dev.opcached.daemon.runtime.Blacklist;
import dev.opcached.daemon.runtime.ScriptException;
import dev.opcached.daemon.runtime.ScriptRuntime;
import dev.opcached.protocol.admin.AdminMessages;
import dev.opcached.protocol.admin.StatusReport;
import dev.opcached.protocol.admin.StatusResponse;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * What the admin endpoint does, apart from HTTP: each call works on this pool's segment, directly,
 * in the supervisor. Workers see the effect on their next lookup.
 */
public final class AdminOperations {
    /** The version reported by {@code /configuration}. */
    public static final String VERSION = "0.1.0";

    private final Supplier<Segment> segment;
    private final Directives config;
    private final Blacklist blacklist;
    private final Supplier<ScriptRuntime> compiler;
    private final Supplier<List<StatusResponse.WorkerStatus>> workers;
    private final Path docroot;

    public AdminOperations(Segment segment, Directives config, Blacklist blacklist, ScriptRuntime compiler,
                           Supplier<List<StatusResponse.WorkerStatus>> workers) throws IOException {
        this(() -> segment, config, blacklist, () -> compiler, workers);
    }

    /** With the segment (and its compiler) as they are now: the supervisor replaces a lost segment. */
    public AdminOperations(Supplier<Segment> segment, Directives config, Blacklist blacklist,
                           Supplier<ScriptRuntime> compiler, Supplier<List<StatusResponse.WorkerStatus>> workers)
            throws IOException {
        this.segment = segment;
        this.config = config;
        this.blacklist = blacklist;
        this.compiler = compiler;
        this.workers = workers;
        this.docroot = config.docroot().toRealPath();
    }

    public StatusResponse status(boolean includeScripts) {
        return StatusReport.of(segment.get(), includeScripts, workers.get());
    }

    public AdminMessages.ConfigurationResponse configuration() {
        Map<String, Object> directives = new LinkedHashMap<>();
        for (Directive directive : Directives.ALL.values()) {
            String value = config.string(directive.name());
            directives.put(directive.name(), switch (directive.type()) {
                case INTEGER, SIZE -> Long.parseLong(value);
                case BOOLEAN -> "1".equals(value);
                default -> value;
            });
        }
        return new AdminMessages.ConfigurationResponse(directives,
                new AdminMessages.Version(VERSION, "opcached"), blacklist.entries());
    }

    /** opcache_reset(): done when this returns. */
    public AdminMessages.ResetResponse reset() {
        long generation = segment.get().reset();
        return new AdminMessages.ResetResponse(generation, segment.get().statistics().manualRestarts());
    }

    /**
     * opcache_invalidate() for each path (real paths are resolved; without force, only files that
     * changed), or every script under a prefix.
     */
    public AdminMessages.InvalidateResponse invalidate(AdminMessages.InvalidateRequest request) {
        boolean hasPaths = request.paths() != null && !request.paths().isEmpty();
        boolean hasPrefix = request.prefix() != null && !request.prefix().isEmpty();
        if (hasPaths == hasPrefix) {
            throw new IllegalArgumentException("give either \"paths\" (a non-empty list) or \"prefix\", not both");
        }
        if (hasPrefix) {
            return new AdminMessages.InvalidateResponse(segment.get().invalidatePrefix(request.prefix()));
        }
        boolean force = Boolean.TRUE.equals(request.force());
        List<String> invalidated = new ArrayList<>();
        for (String path : request.paths()) {
            String key = realPathOrSame(path);
            if (segment.get().invalidate(SegmentKey.of(key), force)) {
                invalidated.add(key);
            }
        }
        return new AdminMessages.InvalidateResponse(invalidated);
    }

    private static String realPathOrSame(String path) {
        try {
            return Path.of(path).toRealPath().toString();
        } catch (IOException | RuntimeException e) {
            // A deleted file is still cached under its old real path.
            return Path.of(path).toAbsolutePath().normalize().toString();
        }
    }

    /** opcache_compile_file() for each file, and every .java file under each directory. */
    public AdminMessages.CompileResponse compile(AdminMessages.CompileRequest request) {
        if (request.paths() == null || request.paths().isEmpty()) {
            throw new IllegalArgumentException("\"paths\" must list at least one file or directory");
        }
        int compiled = 0;
        int cached = 0;
        List<AdminMessages.CompileFailure> failed = new ArrayList<>();
        for (String given : request.paths()) {
            for (Path file : javaFiles(given, failed)) {
                try {
                    ScriptRuntime.Loaded loaded = compiler.get().load(file);
                    compiled++;
                    if (loaded.cached()) {
                        cached++;
                    }
                } catch (ScriptException e) {
                    failed.add(new AdminMessages.CompileFailure(file.toString(), e.getMessage(), e.diagnostics()));
                }
            }
        }
        return new AdminMessages.CompileResponse(compiled, cached, failed);
    }

    private List<Path> javaFiles(String given, List<AdminMessages.CompileFailure> failed) {
        Path path;
        try {
            path = Path.of(given).toRealPath();
        } catch (NoSuchFileException e) {
            failed.add(new AdminMessages.CompileFailure(given, "no such file or directory", List.of()));
            return List.of();
        } catch (IOException | RuntimeException e) {
            failed.add(new AdminMessages.CompileFailure(given, e.toString(), List.of()));
            return List.of();
        }
        if (!path.startsWith(docroot)) {
            failed.add(new AdminMessages.CompileFailure(given, "outside the docroot " + docroot, List.of()));
            return List.of();
        }
        if (!Files.isDirectory(path)) {
            return List.of(path);
        }
        try (Stream<Path> files = Files.walk(path)) {
            return files.filter(f -> f.toString().endsWith(".java") && Files.isRegularFile(f)).sorted().toList();
        } catch (IOException e) {
            failed.add(new AdminMessages.CompileFailure(given, e.toString(), List.of()));
            return List.of();
        }
    }

    /** clearstatcache() for the pool: every worker drops its realpath cache before its next request. */
    public AdminMessages.StatClearResponse statClear() {
        return new AdminMessages.StatClearResponse(segment.get().clearStatCaches());
    }
}
