package dev.opcached.client.cli;

import dev.opcached.client.OpcachedClient;
import dev.opcached.client.OpcachedClientException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code opcachectl}: inspects and controls opcached pools through their admin endpoints, as
 * cachetool does for PHP-FPM pools. Exit codes: 0 success, 1 the server reported an error, 2 usage
 * error, 3 authentication failed, 4 the daemon could not be reached.
 */
@Command(name = "opcachectl", mixinStandardHelpOptions = true, version = "opcachectl 0.1.0",
        description = "Inspects and controls opcached pools through their admin endpoints.",
        subcommands = {StatusCommand.class, ScriptsCommand.class, ResetCommand.class, InvalidateCommand.class,
                CompileCommand.class, ConfigCommand.class, StatClearCommand.class, CompletionCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:the server reported an error", "2:usage error", "3:authentication failed",
                "4:the daemon could not be reached"})
public final class Opcachectl implements java.util.concurrent.Callable<Integer> {
    static final int OK = 0;
    static final int SERVER_ERROR = 1;
    static final int USAGE = 2;

    @Spec
    CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL", scope = CommandLine.ScopeType.INHERIT,
            description = "Admin endpoint (default: $OPCACHED_URL, else http://127.0.0.1:9180).")
    String url;

    @Option(names = "--token-file", paramLabel = "FILE", scope = CommandLine.ScopeType.INHERIT,
            description = "File with the admin token (default: $OPCACHED_TOKEN_FILE, else ~/.opcached/admin.token).")
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
            description = "Connect and answer timeout (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, description = "Print stack traces of failures.")
    boolean verbose;

    private final Map<String, String> environment;

    public Opcachectl() {
        this(System.getenv());
    }

    Opcachectl(Map<String, String> environment) {
        this.environment = environment;
    }

    /** Without a command: the usage, and the usage exit code. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }

    /** What a command does against one pool; returns the text to print. */
    @FunctionalInterface
    interface Action {
        Outcome run(OpcachedClient client) throws OpcachedClientException;
    }

    /** Text to print, and the exit code it deserves (a compile with failures is 1 even though the call succeeded). */
    record Outcome(String text, int exitCode) {
        static Outcome ok(String text) {
            return new Outcome(text, OK);
        }
    }

    /** Runs {@code action} against the chosen pool, or every configured pool with --all. */
    int execute(Action action) {
        List<Target> targets = targets();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (targets.size() == 1 && !all) {
            return report(targets.get(0), action, out, err, "");
        }
        Map<Target, CompletableFuture<String[]>> results = new LinkedHashMap<>();
        for (Target target : targets) {
            results.put(target, CompletableFuture.supplyAsync(() -> {
                java.io.StringWriter outText = new java.io.StringWriter();
                java.io.StringWriter errText = new java.io.StringWriter();
                int code = report(target, action, new PrintWriter(outText, true), new PrintWriter(errText, true),
                        "[" + target.name() + "] ");
                return new String[] {Integer.toString(code), outText.toString(), errText.toString()};
            }));
        }
        int worst = OK;
        for (Map.Entry<Target, CompletableFuture<String[]>> result : results.entrySet()) {
            String[] outcome = result.getValue().join();
            int code = Integer.parseInt(outcome[0]);
            out.println("== " + result.getKey().name() + " (" + result.getKey().url() + "): "
                    + (code == OK ? "ok" : "failed, exit " + code) + " ==");
            out.print(outcome[1]);
            err.print(outcome[2]);
            worst = Math.max(worst, code);
        }
        out.flush();
        err.flush();
        return worst;
    }

    private int report(Target target, Action action, PrintWriter out, PrintWriter err, String prefix) {
        try {
            OpcachedClient client = OpcachedClient.withTokenFile(target.url(), target.tokenFile(),
                    Duration.ofSeconds(timeoutSeconds));
            Outcome outcome = action.run(client);
            out.print(outcome.text());
            out.flush();
            return outcome.exitCode();
        } catch (OpcachedClientException e) {
            err.println(prefix + "opcachectl: " + e.getMessage());
            if (verbose) {
                e.printStackTrace(err);
            }
            err.flush();
            return e.kind().exitCode();
        }
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
        String chosenUrl = url != null ? url : environment.getOrDefault("OPCACHED_URL", "http://127.0.0.1:9180");
        Path chosenToken = tokenFile != null ? tokenFile
                : environment.containsKey("OPCACHED_TOKEN_FILE") ? Path.of(environment.get("OPCACHED_TOKEN_FILE"))
                : Path.of(System.getProperty("user.home"), ".opcached", "admin.token");
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
            cl.getErr().println("opcachectl: " + e.getMessage());
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
