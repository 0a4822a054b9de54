package dev.opcached.protocol.segment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The running processes, as far as telling a segment's creator from a later process that got the
 * same pid goes. A process is identified by its pid and its start time in clock ticks since boot
 * ({@code /proc/PID/stat} field 22): fixed for the life of the process and not derived from the
 * wall clock, so a clock step cannot make a live creator look like another process (start times
 * computed from the boot time in wall-clock terms move with every step). Injected so that tests
 * can present a recycled pid.
 */
public interface ProcessTable {
    /** The machine's processes, read from {@code /proc}. */
    ProcessTable SYSTEM = new ProcFileSystem(Path.of("/proc"));

    /** Whether a process with this pid is running now. */
    boolean isRunning(long pid);

    /** The start time of the running process {@code pid} in clock ticks since boot; 0 when it cannot be read. */
    long startTicks(long pid);

    /**
     * Whether the process that was {@code pid} with start ticks {@code recordedStartTicks} is still
     * running. A running pid counts as that process unless both start times are known and differ:
     * a live creator's segment is never taken for abandoned without proof.
     */
    default boolean isAlive(long pid, long recordedStartTicks) {
        if (pid <= 0 || !isRunning(pid)) {
            return false;
        }
        if (recordedStartTicks == 0) {
            return true;
        }
        long actual = startTicks(pid);
        return actual == 0 || actual == recordedStartTicks;
    }

    /** Reads {@code /proc/PID/stat} under a given root. */
    final class ProcFileSystem implements ProcessTable {
        /** starttime is field 22; the fields after the command's closing parenthesis start at field 3. */
        private static final int START_TIME_AFTER_COMMAND = 22 - 3;
        private final Path root;

        ProcFileSystem(Path root) {
            this.root = root;
        }

        @Override
        public boolean isRunning(long pid) {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }

        @Override
        public long startTicks(long pid) {
            String stat;
            try {
                stat = Files.readString(root.resolve(Long.toString(pid)).resolve("stat"));
            } catch (IOException e) {
                return 0; // gone meanwhile, or not a Linux /proc
            }
            // The command (field 2) is in parentheses and may itself contain spaces and parentheses.
            int end = stat.lastIndexOf(')');
            if (end < 0) {
                return 0;
            }
            String[] fields = stat.substring(end + 1).trim().split(" ");
            if (fields.length <= START_TIME_AFTER_COMMAND) {
                return 0;
            }
            try {
                return Long.parseLong(fields[START_TIME_AFTER_COMMAND]);
            } catch (NumberFormatException e) {
                return 0;
            }
        }
    }
}
