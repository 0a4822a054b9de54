package dev.opcached.client.cli;

import dev.opcached.client.OpcachedClient;
import dev.opcached.protocol.admin.AdminMessages;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code opcachectl compile}: opcache_compile_file() / preload: compiles into the cache without
 * running, and follows the compile as it goes (see {@link CompileReport}). With --all the pools
 * compile at once and each pool's lines are printed together once it is done.
 */
@Command(name = "compile", mixinStandardHelpOptions = true,
        description = {"Compiles scripts into the cache without running them (files, or directories: every .java below).",
                "On a terminal, shows a progress bar and each failure as it comes; otherwise prints one line per file",
                "(STATUS PATH), then the summary. No limit on the whole compile: --timeout bounds each wait for the",
                "next line. Exits 1 when any of them fails to compile (or is not found)."})
final class CompileCommand implements Callable<Integer> {
    @ParentCommand
    Opcachectl parent;

    @Parameters(paramLabel = "PATH", arity = "1..*", description = "Files or directories under the docroot.")
    List<String> paths;

    @Option(names = "--json", description = "Print the server's JSON lines as they come; the last one is the summary.")
    boolean json;

    @Override
    public Integer call() {
        // With --all the pools answer at once: each pool's lines are collected and printed with its outcome.
        boolean live = !parent.all;
        return parent.execute(json, client -> {
            StringWriter collected = new StringWriter();
            PrintWriter out = live ? parent.spec.commandLine().getOut() : new PrintWriter(collected);
            CompileReport.Form form = json ? (live ? CompileReport.Form.JSON : CompileReport.Form.SILENT)
                    : live && parent.onTerminal() ? CompileReport.Form.BAR : CompileReport.Form.PLAIN;
            CompileReport report = new CompileReport(form, out, parent.spec.commandLine().getErr());
            OpcachedClient.Reply<AdminMessages.CompileResponse> summary;
            try {
                summary = client.compile(paths, report);
            } finally {
                report.finish();
            }
            int exitCode = summary.value().failed().isEmpty() ? Opcachectl.OK : Opcachectl.SERVER_ERROR;
            if (form == CompileReport.Form.JSON) {
                return new Opcachectl.Outcome("", exitCode, null); // every line, the summary too, is printed already
            }
            out.flush();
            return new Opcachectl.Outcome(collected + CompileReport.summary(summary.value()), exitCode, summary.json());
        });
    }
}
