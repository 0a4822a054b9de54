package dev.opcached.client.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code opcachectl completion}: the bash completion script; {@code source <(opcachectl completion)}. */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = "Prints the bash completion script: source <(opcachectl completion)")
final class CompletionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().print(AutoComplete.bash("opcachectl", spec.root().commandLine()));
        spec.commandLine().getOut().flush();
        return Opcachectl.OK;
    }
}
