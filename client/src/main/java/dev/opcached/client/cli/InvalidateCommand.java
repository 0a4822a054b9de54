package dev.opcached.client.cli;

import dev.opcached.protocol.admin.AdminMessages;
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
                "with --prefix every script whose path starts with it."})
final class InvalidateCommand implements Callable<Integer> {
    @ParentCommand
    Opcachectl parent;

    @Parameters(paramLabel = "PATH", arity = "0..*", description = "Script files.")
    List<String> paths = new ArrayList<>();

    @Option(names = "--force", description = "Invalidate even when the file did not change.")
    boolean force;

    @Option(names = "--prefix", paramLabel = "P", description = "Invalidate every script under this path prefix.")
    String prefix;

    @Override
    public Integer call() {
        if (paths.isEmpty() == (prefix == null)) {
            throw new CommandLine.ParameterException(parent.spec.commandLine(), "give PATH... or --prefix P");
        }
        return parent.execute(client -> {
            AdminMessages.InvalidateResponse answer = prefix != null ? client.invalidatePrefix(prefix).value()
                    : client.invalidate(paths, force).value();
            StringBuilder out = new StringBuilder();
            answer.invalidated().forEach(path -> out.append("invalidated ").append(path).append(System.lineSeparator()));
            out.append(answer.invalidated().size()).append(" invalidated").append(System.lineSeparator());
            return Opcachectl.Outcome.ok(out.toString());
        });
    }
}
