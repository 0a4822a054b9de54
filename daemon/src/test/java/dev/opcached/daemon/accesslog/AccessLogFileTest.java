package dev.opcached.daemon.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The access log's file: lines gathered and written off the callers' threads, reopened after a rotation. */
class AccessLogFileTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private static Logger logger(String name) {
        return (Logger) LoggerFactory.getLogger("access-file-test." + name);
    }

    private static List<String> awaitLines(Path file, int count) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            List<String> lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
            if (lines.size() >= count) {
                return lines;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new TimeoutException(file + " has " + lines + ", not " + count + " lines");
            }
            Thread.sleep(10);
        }
    }

    @Test
    void linesOfManyThreadsBeyondTheBufferAreAllWrittenWholeAndOnce() throws Exception {
        Path file = dir.resolve("access.log");
        AccessLogFile log = AccessLogFile.open(file, logger("threads"));
        int threads = 4;
        int each = 3_000;
        String padding = "x".repeat(100);
        // 1.4 MB of lines: more than the buffer holds, so that appending waits for the writer.
        List<Thread> appenders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread appender = new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    log.append("thread " + thread + " line " + i + " " + padding);
                }
            });
            appender.start();
            appenders.add(appender);
        }
        for (Thread appender : appenders) {
            appender.join();
        }
        log.close();
        List<String> lines = Files.readAllLines(file);
        Pattern whole = Pattern.compile("thread \\d line \\d+ x{100}");
        assertThat(lines).hasSize(threads * each).allMatch(line -> whole.matcher(line).matches());
        assertThat(new HashSet<>(lines)).hasSize(threads * each);
    }

    @Test
    void missingDirectoriesAreMadePrivate() throws Exception {
        Path file = dir.resolve("logs/www/access.log");
        AccessLogFile.requireWritable(file);
        assertThat(file).isRegularFile();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
    }

    @Test
    void linesAreAppendedToWhatTheFileHeldAndClosingWritesOutTheQueue() throws Exception {
        Path file = dir.resolve("access.log");
        Files.writeString(file, "an earlier line\n");
        Logger logger = logger("append");
        AccessLogFile log = AccessLogFile.open(file, logger);
        for (int i = 0; i < 1000; i++) {
            log.append("line " + i);
        }
        log.close();
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(1001).startsWith("an earlier line", "line 0").endsWith("line 999");
        assertThat(logger.isAdditive()).as("its lines go to the file alone, not to stderr too").isFalse();
    }

    @Test
    void aFileMovedAwayIsFollowedByANewOneWithoutASignal() throws Exception {
        Path file = dir.resolve("access.log");
        Path rotated = dir.resolve("access.log.1");
        Logger logger = logger("rotate");
        AccessLogFile log = AccessLogFile.open(file, logger);
        try {
            log.append("before");
            awaitLines(file, 1);
            // logrotate's default (create): rename, then a new empty file
            Files.move(file, rotated);
            Files.createFile(file);
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            int sent = 0;
            while (Files.readAllLines(file).isEmpty()) {
                assertThat(System.nanoTime() - deadline).as("a line reached the new file in time").isNegative();
                log.append("after " + sent++);
                Thread.sleep(20);
            }
            log.close();
            List<String> old = Files.readAllLines(rotated);
            List<String> current = Files.readAllLines(file);
            assertThat(old).startsWith("before");
            // Each line went to one file or the other, whole and once.
            assertThat(old.size() - 1 + current.size()).isEqualTo(sent);
            assertThat(old.subList(1, old.size())).allMatch(line -> line.matches("after \\d+"));
            assertThat(current).isNotEmpty().allMatch(line -> line.matches("after \\d+"));
        } finally {
            log.close();
        }
    }

    @Test
    void aReopenOpensThePathAtOnce() throws Exception {
        Path file = dir.resolve("access.log");
        Logger logger = logger("reopen");
        // Checked only once an hour: what follows the rotation is the reopen's doing.
        AccessLogFile log = AccessLogFile.open(file, logger, 3_600_000);
        try {
            log.append("before");
            awaitLines(file, 1);
            Files.move(file, dir.resolve("access.log.1"));
            log.reopen();
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (!Files.exists(file)) {
                assertThat(System.nanoTime() - deadline).as("the path was opened again in time").isNegative();
                Thread.sleep(10);
            }
            log.append("after");
            assertThat(awaitLines(file, 1)).containsExactly("after");
            assertThat(Files.readAllLines(dir.resolve("access.log.1"))).containsExactly("before");
        } finally {
            log.close();
        }
        log.reopen(); // closed: nothing happens, nothing is thrown
    }

    @Test
    void aFileRemovedIsMadeAgainAndATruncatedOneIsWrittenFromItsStart() throws Exception {
        Path file = dir.resolve("access.log");
        Logger logger = logger("remove");
        AccessLogFile log = AccessLogFile.open(file, logger);
        try {
            log.append("first");
            awaitLines(file, 1);
            Files.delete(file);
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (!Files.exists(file)) {
                assertThat(System.nanoTime() - deadline).as("the file was made again in time").isNegative();
                Thread.sleep(20);
            }
            // copytruncate: the same file, emptied; appending writes from its new end, not past a hole
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(0);
            }
            log.append("after truncation");
            assertThat(awaitLines(file, 1)).containsExactly("after truncation");
        } finally {
            log.close();
        }
    }

    @Test
    void aFileThatCannotBeWrittenIsRefusedNamingTheDirectiveAndTheFix() throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("logs"), "a file");
        Path file = notADirectory.resolve("access.log");
        assertThatThrownBy(() -> AccessLogFile.open(file, logger("refused")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("access.log=" + file)
                .hasMessageContaining("writable by the workers' user, or set access.log=stderr");
    }
}
