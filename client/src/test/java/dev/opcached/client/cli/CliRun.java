package dev.opcached.client.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/** Runs opcachectl in this JVM with captured output, as picocli's own tests do. */
record CliRun(int exitCode, String out, String err) {
    static CliRun of(Map<String, String> environment, String... args) {
        return of(environment, false, args);
    }

    /** With {@code terminal}, opcachectl takes its output for a terminal (a compile then draws its progress bar). */
    static CliRun of(Map<String, String> environment, boolean terminal, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = run(environment, terminal, WatchStop.byCall(), out, err, args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /** Runs opcachectl writing to {@code out} and {@code err} as it goes, for a test that reads them meanwhile. */
    static int run(Map<String, String> environment, boolean terminal, WatchStop stop, StringWriter out, StringWriter err,
                   String... args) {
        return Opcachectl.commandLine(new Opcachectl(environment, terminal, stop))
                .setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
    }

    static CliRun of(String... args) {
        return of(Map.of(), args);
    }
}
