package dev.opcached.daemon.supervisor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process's resident (RSS) and proportional (PSS) set sizes in bytes, from the kernel's
 * {@code /proc/PID/smaps_rollup}: PSS divides each shared page among the processes that map it,
 * so that the workers' figures add up to what they really cost together. A figure that cannot be
 * read (the process is gone, another user's without the right, a kernel without the file) is null.
 */
record ProcessMemory(Long rss, Long pss) {
    /** Neither figure known (no process). */
    static final ProcessMemory UNKNOWN = new ProcessMemory(null, null);

    /** Reads {@code procRoot/PID/smaps_rollup}; never throws. */
    static ProcessMemory of(Path procRoot, long pid) {
        if (pid <= 0) {
            return UNKNOWN;
        }
        try {
            Long rss = null;
            Long pss = null;
            for (String line : Files.readAllLines(procRoot.resolve(Long.toString(pid)).resolve("smaps_rollup"))) {
                if (line.startsWith("Rss:")) {
                    rss = kibibytes(line);
                } else if (line.startsWith("Pss:")) {
                    pss = kibibytes(line);
                }
            }
            return new ProcessMemory(rss, pss);
        } catch (IOException | RuntimeException e) {
            return UNKNOWN;
        }
    }

    /** {@code "Pss:    1234 kB"} in bytes; null if the line is not of that form. */
    private static Long kibibytes(String line) {
        String[] fields = line.trim().split("\\s+");
        if (fields.length != 3 || !fields[2].equals("kB")) {
            return null;
        }
        try {
            return Math.multiplyExact(Long.parseLong(fields[1]), 1024L);
        } catch (ArithmeticException | NumberFormatException e) {
            return null;
        }
    }
}
