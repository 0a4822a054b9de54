package dev.opcached.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.opcached.client.OpcachedClient;
import dev.opcached.client.OpcachedClientException;
import dev.opcached.protocol.common.DaemonThreadFactory;
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
import java.util.concurrent.ExecutionException;
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
    private static final ObjectMapper JSON = new ObjectMapper();

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
            description = "Every pool of the pools file, at most " + MAX_PARALLEL_POOLS + " at once: one table of their"
                    + " outcomes (status, reset, invalidate, compile, stat-clear; with --json one document); the exit code"
                    + " is the worst pool's, each pool that failed named on stderr.")
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
    private final WatchStop watchStop;

    public Opcachectl() {
        this(System.getenv(), System.console() != null, WatchStop.onCtrlC());
    }

    Opcachectl(Map<String, String> environment) {
        this(environment, false, WatchStop.byCall());
    }

    /**
     * @param terminal  whether the output is a terminal (a progress bar then shows how a compile goes,
     *                  and a watch redraws in place)
     * @param watchStop what ends {@code status --watch}
     */
    Opcachectl(Map<String, String> environment, boolean terminal, WatchStop watchStop) {
        this.environment = environment;
        this.terminal = terminal;
        this.watchStop = watchStop;
    }

    /** Whether the output is a terminal. */
    boolean onTerminal() {
        return terminal;
    }

    /** What ends a watch. */
    WatchStop watchStop() {
        return watchStop;
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
     * @param json    the server's JSON, for --json; null for commands without it
     * @param figures the cells of the pool's row in the command's --all table; empty without one
     * @param problem why the exit code is not {@link #OK} in spite of the answer, in one line,
     *                escaped; null with {@link #OK}
     */
    record Outcome(String text, int exitCode, String json, List<String> figures, String problem) {
        Outcome {
            if ((exitCode == OK) != (problem == null)) {
                throw new IllegalArgumentException("a problem goes with a failed outcome, and only with it: exit code "
                        + exitCode + ", problem " + problem);
            }
        }

        static Outcome ok(String text) {
            return ok(text, null);
        }

        static Outcome ok(String text, String json) {
            return ok(text, json, List.of());
        }

        static Outcome ok(String text, String json, List<String> figures) {
            return new Outcome(text, OK, json, figures, null);
        }
    }

    /** One call to a pool; what it returns is that pool's answer. */
    @FunctionalInterface
    interface Call<T> {
        T run(OpcachedClient client) throws OpcachedClientException;
    }

    /**
     * What one pool said: its answer, or the failure that stopped the call (an
     * OpcachedClientException, or anything else a call threw: reported for its pool like the others).
     *
     * @param exitCode the failure's exit code; {@link #OK} with an answer
     */
    record PoolAnswer<T>(Target target, T value, int exitCode, Exception failure) {
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
     * {@code {"pools":[{"name","url","ok","exit_code","result"|"error"}]}} (each pool that failed
     * also on stderr); for several pools without it, each pool's text under a line naming the
     * pool and its outcome.
     */
    int execute(boolean json, Action action) {
        return execute(json, null, action);
    }

    /**
     * {@link #execute(boolean, Action)}, except that several pools without {@code json} make one
     * {@link FleetTable} with these figure columns (each pool's {@link Outcome#figures()}), each
     * failure also on stderr, named by its pool.
     *
     * @param table the figure columns; null for a command whose answers are no figures (each is
     *              then printed whole, under its pool's name)
     */
    int execute(boolean json, List<String> table, Action action) {
        List<PoolAnswer<Outcome>> results = callEach(action::run);
        if (several() && json) {
            spec.commandLine().getOut().println(poolsDocument(results));
            reportFailures(results);
        } else if (several() && table != null) {
            printTable(results, table);
        } else {
            printEach(results, json);
        }
        spec.commandLine().getOut().flush();
        spec.commandLine().getErr().flush();
        return results.stream().mapToInt(Opcachectl::exitCode).max().orElse(OK);
    }

    /** The table on stdout, then a line on stderr for each pool that failed, in the order of the pools file. */
    private void printTable(List<PoolAnswer<Outcome>> results, List<String> figures) {
        FleetTable table = new FleetTable(figures);
        for (PoolAnswer<Outcome> result : results) {
            Outcome outcome = result.value();
            if (outcome == null) {
                table.failed(result.target(), result.exitCode(), result.failureText());
            } else {
                table.answered(result.target(), outcome.figures(), outcome.exitCode(), outcome.problem());
            }
        }
        spec.commandLine().getOut().print(table.render());
        reportFailures(results);
    }

    /** A line on stderr for each pool that failed, in the order of the pools file: a script sees which without parsing. */
    private void reportFailures(List<PoolAnswer<Outcome>> results) {
        for (PoolAnswer<Outcome> result : results) {
            if (result.value() == null) {
                reportFailure(result);
            } else if (result.value().exitCode() != OK) {
                report(result.target(), result.value().problem());
            }
        }
    }

    private void printEach(List<PoolAnswer<Outcome>> results, boolean json) {
        PrintWriter out = spec.commandLine().getOut();
        for (PoolAnswer<Outcome> result : results) {
            if (several()) {
                out.println("== " + result.target().name() + " (" + result.target().url() + "): "
                        + (exitCode(result) == OK ? "ok" : "failed, exit " + exitCode(result)) + " ==");
            }
            if (result.value() != null) {
                out.print(json && result.value().json() != null ? result.value().json() + System.lineSeparator()
                        : result.value().text());
            } else {
                reportFailure(result);
            }
        }
    }

    /** Whether this invocation addresses several pools (--all), whose outcomes are then each named. */
    boolean several() {
        return all;
    }

    /** One line on stderr for a pool that failed, named by its pool with --all; its stack trace with --verbose. */
    void reportFailure(PoolAnswer<?> failed) {
        report(failed.target(), failed.failureText());
        if (verbose) {
            failed.failure().printStackTrace(spec.commandLine().getErr());
        }
    }

    /** One line on stderr about a pool, named by its pool with --all; {@code message} is escaped already. */
    private void report(Target target, String message) {
        spec.commandLine().getErr().println((several() ? "[" + LogText.escape(target.name()) + "] " : "")
                + "opcachectl: " + message);
    }

    private static int exitCode(PoolAnswer<Outcome> answer) {
        return answer.value() != null ? answer.value().exitCode() : answer.exitCode();
    }

    /**
     * Makes {@code call} to the chosen pool, or to every configured pool with --all (in parallel);
     * the answers are in the order of the pools file.
     */
    <T> List<PoolAnswer<T>> callEach(Call<T> call) {
        return callEach(targets(), call);
    }

    /** Makes {@code call} to {@code targets} (a watch reads the pools file once, not at every refresh). */
    <T> List<PoolAnswer<T>> callEach(List<Target> targets, Call<T> call) {
        Duration timeout = timeout();
        if (targets.size() == 1 && !all) {
            return List.of(call(targets.get(0), call, timeout));
        }
        return callAll(targets, call, timeout);
    }

    /**
     * Calls every pool at once, each on a thread of its own (at most {@link #MAX_PARALLEL_POOLS}),
     * so that one slow pool costs --timeout once, not once per pool behind it. An interrupt (a
     * watch stopped by Ctrl-C) ends the wait at once: a pool that has not answered by then reads
     * as interrupted.
     */
    private <T> List<PoolAnswer<T>> callAll(List<Target> targets, Call<T> call, Duration timeout) {
        // Daemon threads: a call past its timeout never holds the exit.
        ExecutorService calls = Executors.newFixedThreadPool(Math.min(targets.size(), MAX_PARALLEL_POOLS),
                new DaemonThreadFactory("opcachectl-pool"));
        try {
            List<CompletableFuture<PoolAnswer<T>>> answers = targets.stream()
                    .map(target -> CompletableFuture.supplyAsync(() -> call(target, call, timeout), calls)).toList();
            try {
                CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                throw new IllegalStateException("call() turns every failure into an answer", e);
            }
            List<PoolAnswer<T>> results = new ArrayList<>();
            for (int i = 0; i < targets.size(); i++) {
                results.add(answers.get(i).getNow(interrupted(targets.get(i))));
            }
            return results;
        } finally {
            calls.shutdownNow();
        }
    }

    private static <T> PoolAnswer<T> interrupted(Target target) {
        return new PoolAnswer<>(target, null, OpcachedClientException.Kind.UNREACHABLE.exitCode(),
                new OpcachedClientException(OpcachedClientException.Kind.UNREACHABLE, "interrupted before "
                        + target.url() + " answered"));
    }

    private <T> PoolAnswer<T> call(Target target, Call<T> call, Duration timeout) {
        try {
            OpcachedClient client = OpcachedClient.withTokenFile(target.url(), target.tokenFile(), timeout);
            return new PoolAnswer<>(target, call.run(client), OK, null);
        } catch (OpcachedClientException e) {
            return new PoolAnswer<>(target, null, e.kind().exitCode(), e);
        } catch (RuntimeException e) {
            // Not the client's kind of failure (a port out of range in the pools file, a bug): still this pool's result.
            return new PoolAnswer<>(target, null, e instanceof IllegalArgumentException ? USAGE : SERVER_ERROR, e);
        }
    }

    private static String poolsDocument(List<PoolAnswer<Outcome>> results) {
        ObjectNode document = JSON.createObjectNode();
        ArrayNode pools = document.putArray("pools");
        for (PoolAnswer<Outcome> result : results) {
            Outcome outcome = result.value();
            JsonNode answer = outcome == null ? null
                    : outcome.json() != null ? parse(outcome.json()) : JSON.getNodeFactory().textNode(outcome.text());
            pools.add(poolNode(result.target(), exitCode(result), outcome == null ? result.failureText() : null, answer));
        }
        return document.toString();
    }

    /**
     * One pool's entry of an --all JSON document: {@code {"name","url","ok","exit_code","result"|"error"}}.
     *
     * @param error  why there is no result; null when there is one
     * @param result the pool's answer
     */
    static ObjectNode poolNode(Target target, int exitCode, String error, JsonNode result) {
        ObjectNode pool = JSON.createObjectNode();
        pool.put("name", target.name());
        pool.put("url", target.url().toString());
        pool.put("ok", exitCode == OK);
        pool.put("exit_code", exitCode);
        if (error != null) {
            pool.put("error", error);
        } else {
            pool.set("result", result);
        }
        return pool;
    }

    /** JSON the client has validated already. */
    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("the client validated this JSON already", e);
        }
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
