package dev.opcached.client.cli;

import dev.opcached.protocol.admin.AdminMessages;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code opcachectl compile}: opcache_compile_file() / preload: compiles into the cache without running. */
@Command(name = "compile", mixinStandardHelpOptions = true,
        description = {"Compiles scripts into the cache without running them (files, or directories: every .java below).",
                "Exits 1 when any of them fails to compile."})
final class CompileCommand implements Callable<Integer> {
    @ParentCommand
    Opcachectl parent;

    @Parameters(paramLabel = "PATH", arity = "1..*", description = "Files or directories under the docroot.")
    List<String> paths;

    @Override
    public Integer call() {
        return parent.execute(client -> {
            AdminMessages.CompileResponse answer = client.compile(paths).value();
            StringBuilder out = new StringBuilder();
            for (AdminMessages.CompileFailure failure : answer.failed()) {
                out.append("failed ").append(failure.path()).append(": ").append(failure.message()).append(System.lineSeparator());
                failure.diagnostics().forEach(d -> out.append("  ").append(d).append(System.lineSeparator()));
            }
            out.append("compiled ").append(answer.compiled()).append(", cached ").append(answer.cached())
                    .append(", failed ").append(answer.failed().size()).append(System.lineSeparator());
            return new Opcachectl.Outcome(out.toString(), answer.failed().isEmpty() ? Opcachectl.OK : Opcachectl.SERVER_ERROR,
                    null);
        });
    }
}
