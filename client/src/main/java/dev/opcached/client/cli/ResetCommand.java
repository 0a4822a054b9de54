package dev.opcached.client.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code opcachectl reset}: opcache_reset() for the pool; returns once it is done. */
@Command(name = "reset", mixinStandardHelpOptions = true, description = "A manual restart of the pool's cache: what"
        + " changed is compiled first, then the cache is emptied and loaded back from the file cache.")
final class ResetCommand implements Callable<Integer> {
    @ParentCommand
    Opcachectl parent;

    @Override
    public Integer call() {
        return parent.execute(client -> {
            var reset = client.reset().value();
            return Opcachectl.Outcome.ok("cache reset: generation " + reset.generation() + ", manual restarts "
                    + reset.manualRestarts() + (reset.compiledFirst() == null ? ""
                    : ", compiled first " + reset.compiledFirst()) + System.lineSeparator());
        });
    }
}
