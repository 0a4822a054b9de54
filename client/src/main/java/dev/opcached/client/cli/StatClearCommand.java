package dev.opcached.client.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code opcachectl stat-clear}: clearstatcache() for the pool: every worker forgets its realpath cache. */
@Command(name = "stat-clear", mixinStandardHelpOptions = true,
        description = "Makes every worker drop its realpath cache (after moving files or symlinks, e.g. a release switch).")
final class StatClearCommand implements Callable<Integer> {
    @ParentCommand
    Opcachectl parent;

    @Override
    public Integer call() {
        return parent.execute(client -> Opcachectl.Outcome.ok("realpath caches cleared (stat generation "
                + client.statClear().value().statGeneration() + ")" + System.lineSeparator()));
    }
}
