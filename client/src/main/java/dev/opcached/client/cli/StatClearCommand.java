package dev.opcached.client.cli;

import dev.opcached.client.OpcachedClient;
import dev.opcached.protocol.admin.AdminMessages;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code opcachectl stat-clear}: clearstatcache() for the pool: every worker forgets its realpath cache. */
@Command(name = "stat-clear", mixinStandardHelpOptions = true,
        description = {"Makes every worker drop its realpath cache (after moving files or symlinks, e.g. a release switch).",
                "With --all, one table: a row per pool with its new stat generation."})
final class StatClearCommand implements Callable<Integer> {
    /** The figures of a pool's row in the --all table. */
    static final List<String> TABLE = List.of("STAT GENERATION");

    @ParentCommand
    Opcachectl parent;

    @Option(names = "--json", description = "Print the server's JSON unchanged.")
    boolean json;

    @Override
    public Integer call() {
        return parent.execute(json, TABLE, client -> {
            OpcachedClient.Reply<AdminMessages.StatClearResponse> reply = client.statClear();
            long generation = reply.value().statGeneration();
            return Opcachectl.Outcome.ok("realpath caches cleared (stat generation " + generation + ")"
                    + System.lineSeparator(), reply.json(), List.of(Long.toString(generation)));
        });
    }
}
