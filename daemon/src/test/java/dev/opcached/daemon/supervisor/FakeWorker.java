package dev.opcached.daemon.supervisor;

import dev.opcached.daemon.control.ProcessFigures;
import dev.opcached.daemon.control.SupervisorLine;
import dev.opcached.daemon.control.WorkerReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import sun.misc.Signal;

/**
 * A stand-in worker that speaks the report protocol and nothing else, started by the real
 * launcher. What it does comes from the file given as {@code --segment}: {@code healthy} (ready,
 * then alive every 100 ms), {@code retire-once} (the first such worker says retiring after
 * 300 ms and keeps serving until SIGTERM; the others are healthy), {@code crash-after-ready}
 * (ready, then exit 1), {@code crash-before-ready} (exit 1 at once). It appends
 * {@code PID ready} and {@code PID term} to the file's {@code .log} sibling. Each sends one
 * {@code figures requests=7} report after ready.
 */
public final class FakeWorker {
    /** The requests each fake worker says it answered, in one figures report after ready. */
    static final long FIGURES_REQUESTS = 7;

    private FakeWorker() {
    }

    public static void main(String[] args) throws Exception {
        Path script = Path.of(args[1]);
        Path log = Path.of(script + ".log");
        String behaviour = Files.readString(script).strip();
        long pid = ProcessHandle.current().pid();
        Signal.handle(new Signal("TERM"), signal -> {
            append(log, pid + " term");
            Runtime.getRuntime().halt(0);
        });
        Thread lifeline = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the supervisor sends nothing
                }
            } catch (IOException ignored) {
                // same as end of input
            }
            Runtime.getRuntime().halt(3);
        });
        lifeline.setDaemon(true);
        lifeline.start();
        if (behaviour.equals("crash-before-ready")) {
            Runtime.getRuntime().halt(1);
        }
        SupervisorLine supervisor = SupervisorLine.standardOutput();
        append(log, pid + " ready");
        supervisor.send(WorkerReport.of(WorkerReport.Kind.READY));
        // Its figures, once: each fake worker answered 7 requests, so a slot's sum tells how many it counted.
        supervisor.send(ProcessFigures.parse("requests=" + FIGURES_REQUESTS).report());
        Path retired = Path.of(script + ".retired");
        boolean retire = behaviour.equals("retire-once") && Files.notExists(retired);
        if (retire) {
            Files.writeString(retired, "");
        }
        for (int beat = 0; ; beat++) {
            supervisor.send(WorkerReport.of(WorkerReport.Kind.ALIVE));
            if (beat == 3 && retire) {
                supervisor.send(new WorkerReport(WorkerReport.Kind.RETIRING, "recycle"));
            }
            if (beat == 3 && behaviour.equals("crash-after-ready")) {
                Runtime.getRuntime().halt(1);
            }
            Thread.sleep(100);
        }
    }

    private static synchronized void append(Path log, String line) {
        try {
            Files.writeString(log, line + "\n", StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
