package dev.opcached.client.cli;

import dev.opcached.client.OpcachedClient;
import dev.opcached.protocol.admin.AdminMessages;
import dev.opcached.protocol.common.LogText;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code opcachectl compile}: opcache_compile_file() / preload: compiles into the cache without
 * running, and follows the compile as it goes (see {@link CompileReport}). With --all the pools
 * compile at once and make one table of their summaries.
 */
@Command(name = "compile", mixinStandardHelpOptions = true,
        description = {"Compiles scripts into the cache without running them (files, or directories: every .java below).",
                "On a terminal, shows a progress bar and each failure as it comes; otherwise prints one line per file",
                "(STATUS PATH), then the summary. No limit on the whole compile: --timeout bounds each wait for the",
                "next line. Exits 1 when any of them fails to compile (or is not found). With --all, one table: a row",
                "per pool with its summary, the files that failed named on stderr."})
final class CompileCommand implements Callable<Integer> {
    /** The figures of a pool's row in the --all table: its summary. */
    static final List<String> TABLE = List.of("FILES", "COMPILED", "CACHED", "FAILED");
    /** The failed files an --all row names; the others are counted (--pool NAME shows each with its diagnostics). */
    static final int NAMED_FAILURES = 3;

    @ParentCommand
    Opcachectl parent;

    @Parameters(paramLabel = "PATH", arity = "1..*", description = "Files or directories under the docroot.")
    List<String> paths;

    @Option(names = "--json", description = "Print the server's JSON lines as they come; the last one is the summary.")
    boolean json;

    @Override
    public Integer call() {
        // With --all the pools answer at once: only each pool's summary is shown, in the table or the document.
        boolean live = !parent.all;
        return parent.execute(json, TABLE, client -> {
            PrintWriter out = parent.spec.commandLine().getOut();
            CompileReport.Form form = !live ? CompileReport.Form.SILENT : json ? CompileReport.Form.JSON
                    : parent.onTerminal() ? CompileReport.Form.BAR : CompileReport.Form.PLAIN;
            CompileReport report = new CompileReport(form, out, parent.spec.commandLine().getErr());
            OpcachedClient.Reply<AdminMessages.CompileResponse> reply;
            try {
                reply = client.compile(paths, report);
            } finally {
                report.finish();
            }
            AdminMessages.CompileResponse summary = reply.value();
            int exitCode = summary.failed().isEmpty() ? Opcachectl.OK : Opcachectl.SERVER_ERROR;
            List<String> figures = List.of(Integer.toString(summary.files()), Integer.toString(summary.compiled()),
                    Integer.toString(summary.cached()), Integer.toString(summary.failed().size()));
            String problem = exitCode == Opcachectl.OK ? null : failures(summary);
            if (form == CompileReport.Form.JSON) {
                // Every line, the summary too, is printed already.
                return new Opcachectl.Outcome("", exitCode, null, figures, problem);
            }
            return new Opcachectl.Outcome(CompileReport.summary(summary), exitCode, reply.json(), figures, problem);
        });
    }

    /** The failures in one line: how many, and the first few with why. */
    static String failures(AdminMessages.CompileResponse summary) {
        List<AdminMessages.CompileFailure> failed = summary.failed();
        String named = failed.stream().limit(NAMED_FAILURES)
                .map(failure -> LogText.escape(failure.path())
                        + (failure.message() == null ? "" : ": " + LogText.escape(failure.message())))
                .collect(Collectors.joining("; "));
        return failed.size() + " of " + summary.files() + (summary.files() == 1 ? " file" : " files") + " failed: " + named
                + (failed.size() > NAMED_FAILURES ? "; and " + (failed.size() - NAMED_FAILURES) + " more" : "");
    }
}
