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
        int code = Opcachectl.commandLine(new Opcachectl(environment, terminal))
                .setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    static CliRun of(String... args) {
        return of(Map.of(), args);
    }
}
