package dev.opcached.daemon.control;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The worker's end of the report pipe: its original stdout, taken before {@link System#out} is
 * pointed elsewhere so that nothing a script prints can be mistaken for a report. Writes are
 * whole lines, serialised; a broken pipe means the supervisor is gone, which the stdin watch
 * handles, so write failures are swallowed here.
 */
public final class SupervisorLine {
    private final OutputStream out;

    public SupervisorLine(OutputStream out) {
        this.out = out;
    }

    /** The process's real stdout (file descriptor 1), whatever {@link System#out} is now. */
    public static SupervisorLine standardOutput() {
        return new SupervisorLine(new FileOutputStream(FileDescriptor.out));
    }

    public synchronized void send(WorkerReport report) {
        try {
            out.write((report.line() + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException gone) {
            // the supervisor is gone: the stdin watch ends this worker
        }
    }
}
