package dev.opcached.client.cli;

import dev.opcached.client.CompileListener;
import dev.opcached.protocol.admin.AdminMessages;
import dev.opcached.protocol.common.LogText;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code opcachectl compile} prints while the compile runs. On a terminal: a one-line progress
 * bar on stderr (files done of the total, failures so far), and each failure with its diagnostics
 * on stdout as it comes. Otherwise plain lines on stdout, one per file ({@code STATUS PATH}, then
 * why, then the diagnostics indented). With --json, the server's lines unchanged, the summary
 * last; in the other forms the summary is the command's outcome. Text from the server is escaped: a source file
 * cannot send control sequences to the terminal through its diagnostics.
 */
final class CompileReport implements CompileListener {
    /** How the lines are shown (SILENT: not at all, for --all --json, whose document holds each summary). */
    enum Form {
        BAR, PLAIN, JSON, SILENT
    }

    private static final int BAR_WIDTH = 30;
    /** Carriage return, then erase to the end of the line: the bar is redrawn in place. */
    private static final String REDRAW = "\r\u001b[K";

    private final Form form;
    private final PrintWriter out;
    private final PrintWriter err;
    private int files;
    private int done;
    private int failed;
    private boolean barShown;

    CompileReport(Form form, PrintWriter out, PrintWriter err) {
        this.form = form;
        this.out = out;
        this.err = err;
    }

    @Override
    public void line(String json) {
        if (form == Form.JSON) {
            out.println(json);
            out.flush();
        }
    }

    @Override
    public void started(AdminMessages.CompileStart start) {
        files = start.files();
        drawBar();
    }

    @Override
    public void file(AdminMessages.CompileFile file) {
        done++;
        if (file.failed()) {
            failed++;
        }
        if (form == Form.PLAIN || form == Form.BAR && file.failed()) {
            if (barShown) {
                err.print(REDRAW);
                err.flush();
            }
            out.print(describe(file));
            out.flush();
        }
        drawBar();
    }

    @Override
    public void progress(AdminMessages.CompileProgress progress) {
        done = progress.done();
        drawBar();
    }

    /** Takes the bar off the terminal: the summary (or an error) follows on a clean line. */
    void finish() {
        if (barShown) {
            err.print(REDRAW);
            err.flush();
            barShown = false;
        }
    }

    private void drawBar() {
        if (form != Form.BAR) {
            return;
        }
        int filled = files == 0 ? BAR_WIDTH : Math.min(BAR_WIDTH, done * BAR_WIDTH / files);
        err.print(REDRAW + "[" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "] " + done + "/" + files + " files"
                + (failed == 0 ? "" : ", " + failed + " failed"));
        err.flush();
        barShown = true;
    }

    /** A file's plain lines: status and path, why, and javac's diagnostics indented. */
    static String describe(AdminMessages.CompileFile file) {
        StringBuilder text = new StringBuilder(file.status()).append(' ').append(LogText.escape(file.path()));
        if (file.error() != null) {
            text.append(": ").append(LogText.escape(file.error()));
        } else if (file.reason() != null) {
            text.append(" (").append(LogText.escape(file.reason())).append(')');
        }
        text.append(System.lineSeparator());
        if (file.diagnostics() != null) {
            file.diagnostics().forEach(line -> text.append("  ").append(LogText.escape(line)).append(System.lineSeparator()));
        }
        return text.toString();
    }

    /** The summary line: the counts of old, then every status. */
    static String summary(AdminMessages.CompileResponse summary) {
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "compiled %d, cached %d, failed %d (%d files:",
                summary.compiled(), summary.cached(), summary.failed().size(), summary.files()));
        String separator = " ";
        for (Map.Entry<String, Integer> total : summary.totals().entrySet()) {
            text.append(separator).append(LogText.escape(total.getKey())).append(' ').append(total.getValue());
            separator = ", ";
        }
        return text.append(')').append(System.lineSeparator()).toString();
    }
}
