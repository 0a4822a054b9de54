package dev.opcached.daemon.admin;

import dev.opcached.daemon.compile.CompileWaves;
import dev.opcached.daemon.compile.CompilerUnavailableException;
import dev.opcached.daemon.compile.FileOutcome;
import dev.opcached.daemon.compile.LocalPoolCompiler;
import dev.opcached.daemon.compile.PoolCompiler;
import dev.opcached.daemon.config.Directive;
import dev.opcached.daemon.config.Directives;
import dev.opcached.daemon.metrics.PoolMetrics;
import dev.opcached.daemon.metrics.PoolProcesses;
import dev.opcached.daemon.runtime.Blacklist;
import dev.opcached.protocol.admin.AdminMessages;
import dev.opcached.protocol.admin.StatusReport;
import dev.opcached.protocol.admin.StatusResponse;
import dev.opcached.protocol.common.DocrootContainment;
import dev.opcached.protocol.config.Defaults;
import dev.opcached.protocol.segment.CachedEntry;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.ScriptStatistics;
import dev.opcached.protocol.segment.SegmentKey;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the admin endpoint does, apart from HTTP: each call works on this pool's segment, directly,
 * in the supervisor. Workers see the effect on their next lookup.
 */
public final class AdminOperations {
    private static final Logger LOG = LoggerFactory.getLogger(AdminOperations.class);
    private final Supplier<Segment> segment;
    private final Directives config;
    private final Blacklist blacklist;
    /** Files given to the pool's compiler at a time, each batch with the compile timeout as its deadline. */
    static final int BATCH_FILES = 256;
    /**
     * Files loaded back from the file cache at a time after a reset, most used first. The compiler
     * loads them on this request's own thread, beside the workers' misses (which it answers on
     * theirs): a small request each, so that the most used come back first and a reload stops soon
     * when the compiler goes away.
     */
    static final int RELOAD_BATCH_FILES = 16;

    private final Supplier<PoolCompiler> compiler;
    private final long compileTimeoutMillis;
    /** Whether the pool's compiler files what it compiles in a file cache (opcache.file_cache, not read-only). */
    private final boolean fileCacheWritable;
    /** Whether the pool has a fleet level (opcached.redis_url): a second level while Redis answers. */
    private final boolean fleetLevel;
    /** Where a reset's scripts are loaded back from the file cache, one reset's list after another. */
    private final Executor reload = Executors.newSingleThreadExecutor(new DefaultThreadFactory("reset-reload", true));
    private final Supplier<List<StatusResponse.WorkerStatus>> workers;
    private final DocrootContainment docroot;
    private final PoolMetrics metrics;

    public AdminOperations(Segment segment, Directives config, Blacklist blacklist, PoolCompiler compiler,
                           Supplier<List<StatusResponse.WorkerStatus>> workers) throws IOException {
        this(() -> segment, config, blacklist, () -> compiler, workers,
                new PoolMetrics(config.string(Directives.POOL), () -> segment, PoolProcesses.NONE));
    }

    /**
     * With the segment (and its compiler) as they are now: the supervisor replaces a lost segment;
     * {@code metrics} is what GET /metrics scrapes.
     */
    public AdminOperations(Supplier<Segment> segment, Directives config, Blacklist blacklist,
                           Supplier<PoolCompiler> compiler, Supplier<List<StatusResponse.WorkerStatus>> workers,
                           PoolMetrics metrics) throws IOException {
        this.segment = segment;
        this.config = config;
        this.blacklist = blacklist;
        this.compiler = compiler;
        this.compileTimeoutMillis = config.number(Directives.COMPILE_TIMEOUT) * 1000;
        this.fileCacheWritable = !config.string(Directives.FILE_CACHE).isEmpty()
                && !config.flag(Directives.FILE_CACHE_READ_ONLY);
        this.fleetLevel = !config.string(Directives.REDIS_URL).isEmpty();
        this.workers = workers;
        this.docroot = new DocrootContainment(config.docroot());
        this.metrics = metrics;
    }

    /** The pool's metrics: GET /metrics scrapes them, the endpoint counts its calls into them. */
    public PoolMetrics metrics() {
        return metrics;
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
                new AdminMessages.Version(Defaults.VERSION, Defaults.PRODUCT_NAME), blacklist.entries());
    }

    /**
     * opcache_reset(): done when this returns. With {@code compileFirst} and a writable second
     * level (the file cache, or the fleet's Redis), every cached script whose file or inputs
     * changed is compiled again before the cache is emptied (the old versions serve meanwhile),
     * and once it is emptied the scripts it held are loaded back from that level in small batches,
     * off the request path: a deploy's reset stalls no request for longer than a load.
     */
    public AdminMessages.ResetResponse reset(boolean compileFirst) {
        Segment current = segment.get();
        Integer compiled = null;
        // Without a second level to take them, what the reset compiles first would be compiled
        // again, and loading the rest back would compile every one of them: Redis alone is one
        // only while it answers.
        boolean withSecondLevel = compileFirst && (fileCacheWritable || fleetLevel && metrics.redisUp());
        List<Path> cached = withSecondLevel ? cachedScripts(current) : List.of();
        if (withSecondLevel) {
            compiled = compileChanged(current, cached);
        }
        long generation = current.reset();
        if (withSecondLevel) {
            reload.execute(() -> loadBack(cached));
        }
        return new AdminMessages.ResetResponse(generation, current.statistics().manualRestarts(), compiled);
    }

    /** The scripts the cache holds, the most used first (what a reset loads back first: its closure comes along). */
    private static List<Path> cachedScripts(Segment current) {
        return current.scripts().stream().sorted(Comparator.comparingLong(ScriptStatistics::hits).reversed())
                .map(script -> Path.of(script.fullPath())).toList();
    }

    /**
     * Asks the pool's compiler for the scripts the cache held before a reset, a few at a time, so
     * that their units come back from the file cache before most are asked for. A worker that
     * misses meanwhile does not wait for these loads: the compiler answers a load from the file
     * cache on the asking request's own thread, without a batch.
     */
    private void loadBack(List<Path> cached) {
        for (int from = 0; from < cached.size(); from += RELOAD_BATCH_FILES) {
            List<Path> batch = cached.subList(from, Math.min(cached.size(), from + RELOAD_BATCH_FILES));
            try {
                compiler.get().compile(batch, compileTimeoutMillis, PoolCompiler.Progress.NONE);
            } catch (CompilerUnavailableException | RuntimeException e) {
                LOG.debug("reset: loading the scripts back stopped: {}", e.toString());
                return;
            }
        }
    }

    /** Compiles the cached scripts that changed, in batches; how many were compiled (a failure is no reason not to reset). */
    private int compileChanged(Segment current, List<Path> cached) {
        if (fleetLevel) {
            // Hosts compiling the same change share it in waves (inputs first) within a call; in
            // this order, across calls too.
            cached = CompileWaves.inOrder(cached, path -> {
                CachedEntry entry = current.peek(SegmentKey.of(path.toString()));
                return entry == null ? null : LocalPoolCompiler.unitOf(entry);
            });
        }
        int compiled = 0;
        for (int from = 0; from < cached.size(); from += BATCH_FILES) {
            List<Path> batch = cached.subList(from, Math.min(cached.size(), from + BATCH_FILES));
            try {
                for (FileOutcome outcome : compiler.get().compile(batch, compileTimeoutMillis, PoolCompiler.Progress.NONE)) {
                    if (outcome.status() == FileOutcome.Status.COMPILED || outcome.status() == FileOutcome.Status.FILE_CACHE) {
                        compiled++;
                    }
                }
            } catch (CompilerUnavailableException e) {
                LOG.warn("reset: the changed scripts could not be compiled first ({}); resetting anyway", e.getMessage());
                break;
            }
        }
        return compiled;
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
        Segment current = segment.get();
        if (hasPrefix) {
            List<String> invalidated = current.invalidatePrefix(request.prefix());
            return new AdminMessages.InvalidateResponse(invalidated,
                    Dependents.invalidate(current, path -> path.startsWith(request.prefix()), true));
        }
        requireStrings("paths", request.paths());
        boolean force = Boolean.TRUE.equals(request.force());
        List<String> invalidated = new ArrayList<>();
        Set<String> asked = new HashSet<>();
        for (String path : request.paths()) {
            String key = realPathOrSame(path);
            asked.add(key);
            if (current.invalidate(SegmentKey.of(key), force)) {
                invalidated.add(key);
            }
        }
        return new AdminMessages.InvalidateResponse(invalidated, Dependents.invalidate(current, asked::contains, force));
    }

    private static String realPathOrSame(String path) {
        try {
            return Path.of(path).toRealPath().toString();
        } catch (IOException | RuntimeException e) {
            // A deleted file is still cached under its old real path.
            return Path.of(path).toAbsolutePath().normalize().toString();
        }
    }

    /**
     * opcache_compile_file() for each file, and every .java file under each directory: checks the
     * request and chooses the files now (a bad request fails here, as a whole); the job compiles
     * them when run. Only regular files inside the docroot are compiled; anything else (a FIFO, a
     * device, a symbolic link out of the docroot) is a file line of its own and is never opened.
     */
    public CompileJob compile(AdminMessages.CompileRequest request) {
        if (request.paths() == null || request.paths().isEmpty()) {
            throw new IllegalArgumentException("\"paths\" must list at least one file or directory");
        }
        requireStrings("paths", request.paths());
        List<AdminMessages.CompileFile> refused = new ArrayList<>();
        Set<Path> files = new LinkedHashSet<>(); // a file named twice (itself and by its directory) is compiled once
        for (String given : request.paths()) {
            files.addAll(javaFiles(given, refused));
        }
        return new CompileJob(List.copyOf(files), refused, compiler, compileTimeoutMillis, BATCH_FILES);
    }

    private List<Path> javaFiles(String given, List<AdminMessages.CompileFile> refused) {
        Path path;
        try {
            path = Path.of(given).toRealPath();
        } catch (NoSuchFileException e) {
            refused.add(notFound(given, "no such file or directory"));
            return List.of();
        } catch (IOException | RuntimeException e) {
            refused.add(failure(given, e.toString()));
            return List.of();
        }
        if (!docroot.contains(path)) {
            refused.add(failure(given, "outside the docroot " + docroot.root()));
            return List.of();
        }
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            return javaFilesUnder(path, given, refused);
        }
        String problem = notCompilable(path);
        if (problem != null) {
            refused.add(Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) ? failure(given, problem)
                    : notFound(given, problem));
            return List.of();
        }
        return List.of(path);
    }

    /** Why a real path is not a script to compile, or null: only regular .java files, looked at without opening them. */
    private static String notCompilable(Path real) {
        if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
            return "not a regular file (FIFOs, devices and sockets are never opened)";
        }
        if (!real.getFileName().toString().endsWith(".java")) {
            return "not a .java file";
        }
        return null;
    }

    /** The .java files under a real directory, walked without following links; a link leading out of the docroot is a failure. */
    private List<Path> javaFilesUnder(Path directory, String given, List<AdminMessages.CompileFile> refused) {
        List<Path> files = new ArrayList<>();
        try {
            Files.walkFileTree(directory, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    if (attributes.isSymbolicLink()) {
                        followed(file);
                    } else if (file.getFileName().toString().endsWith(".java")) {
                        if (attributes.isRegularFile()) {
                            files.add(file);
                        } else {
                            refused.add(notFound(file.toString(), notCompilable(file)));
                        }
                    }
                    return FileVisitResult.CONTINUE;
                }

                /** A link is compiled under its real path when that is a regular .java file inside the docroot. */
                private void followed(Path link) {
                    Path real;
                    try {
                        real = link.toRealPath();
                    } catch (IOException e) {
                        return; // a dangling link names nothing to compile
                    }
                    if (!docroot.contains(real)) {
                        refused.add(failure(link.toString(), "outside the docroot " + docroot.root()
                                + " (a symbolic link to " + real + ")"));
                    } else if (link.getFileName().toString().endsWith(".java") && notCompilable(real) == null) {
                        files.add(real);
                    }
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    refused.add(failure(file.toString(), e.toString()));
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            refused.add(failure(given, e.toString()));
        }
        return files.stream().distinct().sorted().toList();
    }

    /** A file line for what is refused before any compile: outside the docroot, not a .java file, unreadable. */
    private static AdminMessages.CompileFile failure(String path, String message) {
        return new AdminMessages.CompileFile(path, "failed", message, null, List.of());
    }

    /** A file line for a path with no regular file (gone, a FIFO, a device): the compiler's "not_found". */
    private static AdminMessages.CompileFile notFound(String path, String message) {
        return new AdminMessages.CompileFile(path, "not_found", message, null, List.of());
    }

    /** A list from a request must hold strings only: {@code [null]} is the caller's mistake, named as such. */
    private static void requireStrings(String field, List<String> values) {
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i) == null) {
                throw new IllegalArgumentException(field + "[" + i + "] must be a string, got null");
            }
        }
    }

    /** clearstatcache() for the pool: every worker drops its realpath cache before its next request. */
    public AdminMessages.StatClearResponse statClear() {
        return new AdminMessages.StatClearResponse(segment.get().clearStatCaches());
    }
}
