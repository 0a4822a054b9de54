package dev.opcached.client.cli;

import dev.opcached.client.OpcachedClient;
import dev.opcached.protocol.admin.StatusResponse;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code opcachectl scripts}: the cached scripts as a table. */
@Command(name = "scripts", mixinStandardHelpOptions = true, description = "Lists the cached scripts.")
final class ScriptsCommand implements Callable<Integer> {
    @ParentCommand
    Opcachectl parent;

    @Option(names = "--json", description = "Print the server's JSON (GET /status?scripts=1) unchanged.")
    boolean json;

    @Option(names = "--sort", defaultValue = "hits", description = "hits, memory or path (default: ${DEFAULT-VALUE}).")
    Formats.ScriptOrder sort;

    @Option(names = "--filter", paramLabel = "REGEX", description = "Only paths matching this regular expression.")
    String filter;

    @Override
    public Integer call() {
        Pattern pattern;
        try {
            pattern = filter == null ? null : Pattern.compile(filter);
        } catch (PatternSyntaxException e) {
            throw new CommandLine.ParameterException(parent.spec.commandLine(), "--filter: " + e.getDescription());
        }
        return parent.execute(json, client -> {
            OpcachedClient.Reply<StatusResponse> reply = client.status(true);
            return Opcachectl.Outcome.ok(Formats.scripts(reply.value(), sort, pattern), reply.json());
        });
    }
}
