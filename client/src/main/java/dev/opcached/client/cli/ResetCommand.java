package dev.opcached.client.cli;

import dev.opcached.client.OpcachedClient;
import dev.opcached.protocol.admin.AdminMessages;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code opcachectl reset}: opcache_reset() for the pool; returns once it is done. */
@Command(name = "reset", mixinStandardHelpOptions = true, description = {"A manual restart of the pool's cache: what"
        + " changed is compiled first, then the cache is emptied and loaded back from the file cache.",
        "With --all, one table: a row per pool with its new generation, manual restarts and files compiled first."})
final class ResetCommand implements Callable<Integer> {
    /** The figures of a pool's row in the --all table. */
    static final List<String> TABLE = List.of("GENERATION", "MANUAL RESTARTS", "COMPILED FIRST");

    @ParentCommand
    Opcachectl parent;

    @Option(names = "--json", description = "Print the server's JSON unchanged.")
    boolean json;

    @Override
    public Integer call() {
        return parent.execute(json, TABLE, client -> {
            OpcachedClient.Reply<AdminMessages.ResetResponse> reply = client.reset();
            AdminMessages.ResetResponse reset = reply.value();
            return Opcachectl.Outcome.ok("cache reset: generation " + reset.generation() + ", manual restarts "
                    + reset.manualRestarts() + (reset.compiledFirst() == null ? ""
                    : ", compiled first " + reset.compiledFirst()) + System.lineSeparator(), reply.json(),
                    List.of(Long.toString(reset.generation()), Long.toString(reset.manualRestarts()),
                            FleetTable.figure(reset.compiledFirst())));
        });
    }
}
