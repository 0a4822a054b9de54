package dev.opcached.client.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opcached.client.OpcachedClient;
import dev.opcached.client.OpcachedClientException;
import dev.opcached.protocol.common.LogText;
import dev.opcached.protocol.config.Defaults;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code opcachectl}: inspects and controls opcached pools through their admin endpoints, as
 * cachetool does for PHP-FPM pools. Exit codes: 0 success, 1 the server reported an error, 2 usage
 * error, 3 authentication failed, 4 the daemon could not be reached (or the URL is not an opcached
 * admin endpoint).
 */
@Command(name = "opcachectl", mixinStandardHelpOptions = true, versionProvider = Opcachectl.Version.class,
        description = "Inspects and controls opcached pools through their admin endpoints.",
        subcommands = {StatusCommand.class, ScriptsCommand.class, ResetCommand.class, InvalidateCommand.class,
                CompileCommand.class, ConfigCommand.class, StatClearCommand.class, CompletionCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:the server reported an error", "2:usage error", "3:authentication failed",
                "4:the daemon could not be reached, or the URL is not an opcached admin endpoint"})
public final class Opcachectl implements java.util.concurrent.Callable<Integer> {
    /** {@code --version}: the build's version, which an annotation cannot hold as a constant. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"opcachectl" + " " + Defaults.VERSION};
        }
    }

    static final int OK = 0;
    static final int SERVER_ERROR = 1;
    static final int USAGE = 2;
    /** --all calls at most this many pools at once, each on its own thread. */
    static final int MAX_PARALLEL_POOLS = 16;

    @Spec
    CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL", scope = CommandLine.ScopeType.INHERIT,
            description = "Admin endpoint (default: $OPCACHED_URL, else " + Defaults.ADMIN_URL + ").")
    String url;

    @Option(names = "--token-file", paramLabel = "FILE", scope = CommandLine.ScopeType.INHERIT,
            description = "File with the admin token (default: $OPCACHED_TOKEN_FILE, else ~/" + Defaults.STATE_DIR_NAME
                    + "/" + Defaults.TOKEN_FILE_NAME + ").")
    Path tokenFile;

    @Option(names = "--pool", paramLabel = "NAME", scope = CommandLine.ScopeType.INHERIT,
            description = "A pool named in the configuration file.")
    String pool;

    @Option(names = "--all", scope = CommandLine.ScopeType.INHERIT,
            description = "Every pool of the configuration file, in parallel; each outcome is reported.")
    boolean all;

    @Option(names = "--config", paramLabel = "FILE", scope = CommandLine.ScopeType.INHERIT,
            description = "Pools file (default: $OPCACHECTL_CONFIG, else ~/.config/opcachectl.conf, else /etc/opcached/opcachectl.conf).")
    Path config;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30", scope = CommandLine.ScopeType.INHERIT,
            description = "Connect and answer timeout, positive (default: ${DEFAULT-VALUE}); for compile, the longest wait"
                    + " for its next line (the whole compile has no limit).")
    int timeoutSeconds;

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, description = "Print stack traces of failures.")
    boolean verbose;

    private final Map<String, String> environment;
    private final boolean terminal;

    public Opcachectl() {
        this(System.getenv(), System.console() != null);
    }

    Opcachectl(Map<String, String> environment) {
        this(environment, false);
    }

    /** @param terminal whether the output is a terminal (a progress bar then shows how a compile goes) */
    Opcachectl(Map<String, String> environment, boolean terminal) {
        this.environment = environment;
        this.terminal = terminal;
    }

    /** Whether the output is a terminal. */
    boolean onTerminal() {
        return terminal;
    }

    /** Without a command: the usage, and the usage exit code. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }

    /** What a command does against one pool; returns what to print. */
    @FunctionalInterface
    interface Action {
        Outcome run(OpcachedClient client) throws OpcachedClientException;
    }

    /**
     * What to print, and the exit code it deserves (a compile with failures is 1 even though the
     * call succeeded).
     *
     * @param json the server's JSON, for --json; null for commands without it
     */
    record Outcome(String text, int exitCode, String json) {
        static Outcome ok(String text) {
            return new Outcome(text, OK, null);
        }

        static Outcome ok(String text, String json) {
            return new Outcome(text, OK, json);
        }
    }

    /**
     * What one pool said: an outcome, or the failure that stopped the call (an
     * OpcachedClientException, or anything else a call threw: reported for its pool like the others).
     */
    private record Result(Target target, int exitCode, Outcome outcome, Exception failure) {
        /** The failure in one line, safe for a terminal: the server's text in it is escaped. */
        String failureText() {
            String message = failure instanceof OpcachedClientException ? failure.getMessage()
                    : "calling " + target.url() + " failed: " + failure;
            return LogText.escape(message);
        }
    }

    /** Runs {@code action} against the chosen pool, or every configured pool with --all, printing text. */
    int execute(Action action) {
        return execute(false, action);
    }

    /**
     * Runs {@code action} against the chosen pool, or every configured pool with --all. With
     * {@code json}, prints the server's JSON; for several pools, one JSON document
     * {@code {"pools":[{"name","url","ok","exit_code","result"|"error"}]}}.
     */
    int execute(boolean json, Action action) {
        List<Target> targets = targets();
        Duration timeout = timeout();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Result> results;
        if (targets.size() == 1 && !all) {
            results = List.of(call(targets.get(0), action, timeout));
        } else {
            results = callAll(targets, action, timeout);
        }
        boolean several = results.size() > 1 || all;
        if (json && several) {
            out.println(poolsDocument(results));
        } else {
            for (Result result : results) {
                if (several) {
                    out.println("== " + result.target().name() + " (" + result.target().url() + "): "
                            + (result.exitCode() == OK ? "ok" : "failed, exit " + result.exitCode()) + " ==");
                }
                if (result.outcome() != null) {
                    out.print(json && result.outcome().json() != null ? result.outcome().json() + System.lineSeparator()
                            : result.outcome().text());
                } else {
                    err.println((several ? "[" + result.target().name() + "] " : "") + "opcachectl: " + result.failureText());
                    if (verbose) {
                        result.failure().printStackTrace(err);
                    }
                }
            }
        }
        out.flush();
        err.flush();
        return results.stream().mapToInt(Result::exitCode).max().orElse(OK);
    }

    /**
     * Calls every pool at once, each on a thread of its own (at most {@link #MAX_PARALLEL_POOLS}),
     * so that one slow pool costs --timeout once, not once per pool behind it.
     */
    private List<Result> callAll(List<Target> targets, Action action, Duration timeout) {
        // Daemon threads (the client has no Netty for its thread factory): a call past its timeout never holds the exit.
        ExecutorService calls = Executors.newFixedThreadPool(Math.min(targets.size(), MAX_PARALLEL_POOLS), task -> {
            Thread thread = new Thread(task, "opcachectl-pool");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<CompletableFuture<Result>> results = targets.stream()
                    .map(target -> CompletableFuture.supplyAsync(() -> call(target, action, timeout), calls)).toList();
            return results.stream().map(CompletableFuture::join).toList();
        } finally {
            calls.shutdownNow();
        }
    }

    private Result call(Target target, Action action, Duration timeout) {
        try {
            OpcachedClient client = OpcachedClient.withTokenFile(target.url(), target.tokenFile(), timeout);
            Outcome outcome = action.run(client);
            return new Result(target, outcome.exitCode(), outcome, null);
        } catch (OpcachedClientException e) {
            return new Result(target, e.kind().exitCode(), null, e);
        } catch (RuntimeException e) {
            // Not the client's kind of failure (a port out of range in the pools file, a bug): still this pool's result.
            return new Result(target, e instanceof IllegalArgumentException ? USAGE : SERVER_ERROR, null, e);
        }
    }

    private static String poolsDocument(List<Result> results) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode document = mapper.createObjectNode();
        ArrayNode pools = document.putArray("pools");
        for (Result result : results) {
            ObjectNode pool = pools.addObject();
            pool.put("name", result.target().name());
            pool.put("url", result.target().url().toString());
            pool.put("ok", result.exitCode() == OK);
            pool.put("exit_code", result.exitCode());
            if (result.outcome() == null) {
                pool.put("error", result.failureText());
            } else if (result.outcome().json() != null) {
                try {
                    pool.set("result", mapper.readTree(result.outcome().json()));
                } catch (IOException e) {
                    throw new IllegalStateException("the client validated this JSON already", e);
                }
            } else {
                pool.put("result", result.outcome().text());
            }
        }
        return document.toString();
    }

    /** --timeout as a duration; zero or less is a usage error (no call could ever succeed). */
    private Duration timeout() {
        if (timeoutSeconds <= 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--timeout must be a positive number of seconds, got " + timeoutSeconds);
        }
        return Duration.ofSeconds(timeoutSeconds);
    }

    /** The pools this invocation addresses. */
    List<Target> targets() {
        if (all || pool != null) {
            if (url != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--url cannot be combined with --pool or --all");
            }
            Path file = poolsFile();
            Map<String, Target> pools;
            try {
                pools = PoolsFile.read(file);
            } catch (IOException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "cannot read pools file " + file + ": " + e);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            if (all) {
                if (pools.isEmpty()) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "no pools in " + file);
                }
                return new ArrayList<>(pools.values());
            }
            Target target = pools.get(pool);
            if (target == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "no pool [" + pool + "] in " + file
                        + " (pools: " + pools.keySet() + ")");
            }
            return List.of(target);
        }
        String chosenUrl = url != null ? url : environment.getOrDefault("OPCACHED_URL", Defaults.ADMIN_URL);
        Path chosenToken = tokenFile != null ? tokenFile
                : environment.containsKey("OPCACHED_TOKEN_FILE") ? Path.of(environment.get("OPCACHED_TOKEN_FILE"))
                : Defaults.tokenFile(System.getProperty("user.home"));
        URI uri;
        try {
            uri = URI.create(chosenUrl);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "not a URL: " + chosenUrl);
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "not an http(s) URL: " + chosenUrl);
        }
        return List.of(new Target("default", uri, chosenToken));
    }

    private Path poolsFile() {
        if (config != null) {
            return config;
        }
        if (environment.containsKey("OPCACHECTL_CONFIG")) {
            return Path.of(environment.get("OPCACHECTL_CONFIG"));
        }
        Path user = Path.of(System.getProperty("user.home"), ".config", "opcachectl.conf");
        return Files.exists(user) ? user : Path.of("/etc/opcached/opcachectl.conf");
    }

    /** A CommandLine with opcachectl's exit codes and one-line errors. */
    static CommandLine commandLine(Opcachectl opcachectl) {
        CommandLine commandLine = new CommandLine(opcachectl);
        commandLine.setExecutionExceptionHandler((e, cl, parseResult) -> {
            cl.getErr().println("opcachectl: " + LogText.escape(e.getMessage()));
            if (opcachectl.verbose) {
                e.printStackTrace(cl.getErr());
            }
            return e instanceof IllegalArgumentException ? USAGE : SERVER_ERROR;
        });
        return commandLine;
    }

    public static void main(String[] args) {
        // Its own name, not logback.xml, so that it never shadows the daemon's on a shared class path.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "opcachectl-logback.xml");
        }
        System.exit(commandLine(new Opcachectl()).execute(args));
    }
}
