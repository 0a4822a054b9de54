package dev.opcached.client.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code opcachectl reset}: opcache_reset() for the pool; returns once it is done. */
@Command(name = "reset", mixinStandardHelpOptions = true, description = "Empties the pool's cache (a manual restart).")
final class ResetCommand implements Callable<Integer> {
    @ParentCommand
    Opcachectl parent;

    @Override
    public Integer call() {
        return parent.execute(client -> {
            var reset = client.reset().value();
            return Opcachectl.Outcome.ok("cache reset: generation " + reset.generation() + ", manual restarts "
                    + reset.manualRestarts() + System.lineSeparator());
        });
    }
}
