package dev.opcached.client.cli;

import dev.opcached.client.OpcachedClient;
import dev.opcached.protocol.admin.AdminMessages;
import dev.opcached.protocol.common.LogText;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code opcachectl invalidate}: opcache_invalidate() for paths, or every script under a prefix. */
@Command(name = "invalidate", mixinStandardHelpOptions = true,
        description = {"Invalidates scripts: without --force only those whose file changed (OPcache's rule);",
                "with --prefix every script whose path starts with it. Every script compiled against one of them",
                "goes too (a dependent). With --all, one table: a row per pool with the counts of each."})
final class InvalidateCommand implements Callable<Integer> {
    /** The figures of a pool's row in the --all table. */
    static final List<String> TABLE = List.of("INVALIDATED", "DEPENDENTS");

    @ParentCommand
    Opcachectl parent;

    @Parameters(paramLabel = "PATH", arity = "0..*", description = "Script files.")
    List<String> paths = new ArrayList<>();

    @Option(names = "--force", description = "Invalidate even when the file did not change.")
    boolean force;

    @Option(names = "--prefix", paramLabel = "P", description = "Invalidate every script under this path prefix.")
    String prefix;

    @Option(names = "--json", description = "Print the server's JSON unchanged.")
    boolean json;

    @Override
    public Integer call() {
        if (paths.isEmpty() == (prefix == null)) {
            throw new CommandLine.ParameterException(parent.spec.commandLine(), "give PATH... or --prefix P");
        }
        return parent.execute(json, TABLE, client -> {
            OpcachedClient.Reply<AdminMessages.InvalidateResponse> reply = prefix != null
                    ? client.invalidatePrefix(prefix) : client.invalidate(paths, force);
            AdminMessages.InvalidateResponse answer = reply.value();
            // dependents: absent from a server older than them.
            List<String> dependents = answer.dependents() == null ? List.of() : answer.dependents();
            StringBuilder out = new StringBuilder();
            answer.invalidated().forEach(path -> out.append("invalidated ").append(LogText.escape(path))
                    .append(System.lineSeparator()));
            dependents.forEach(path -> out.append("dependent ").append(LogText.escape(path)).append(System.lineSeparator()));
            out.append(answer.invalidated().size()).append(" invalidated");
            if (answer.dependents() != null) {
                out.append(", ").append(dependents.size()).append(dependents.size() == 1 ? " dependent" : " dependents");
            }
            out.append(System.lineSeparator());
            return Opcachectl.Outcome.ok(out.toString(), reply.json(), List.of(Integer.toString(answer.invalidated().size()),
                    answer.dependents() == null ? FleetTable.NONE : Integer.toString(dependents.size())));
        });
    }
}
