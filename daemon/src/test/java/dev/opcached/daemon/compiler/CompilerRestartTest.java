package dev.opcached.daemon.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.compile.CompilerUnavailableException;
import dev.opcached.daemon.compile.FileOutcome;
import dev.opcached.daemon.compile.PoolCompiler;
import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentKey;
import dev.opcached.protocol.segment.SegmentReader;
import dev.opcached.protocol.segment.SegmentVerification;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compiler process of a real pool: its socket in the pool's private directory, and SIGKILL in
 * the middle of a batch: every waiting client gets an answer within its deadline, the supervisor
 * restarts the compiler, the next compile works, the pool serves throughout, nothing is half-stored.
 */
class CompilerRestartTest {
    /** Far above what the slow file needs (seconds), so that only a hang can reach it. */
    private static final long DEADLINE_MILLIS = 120_000;

    @TempDir
    Path dir;

    private static Path aged(Path file) throws Exception {
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
        return file;
    }

    /** A source javac needs seconds for: thousands of small methods. */
    private static Path slowSource(Path docroot) throws Exception {
        StringBuilder source = new StringBuilder("public class Slow {\n");
        int methods = 12_000;
        for (int i = 0; i < methods; i++) {
            source.append("    static int m").append(i).append("(int x) { int y = x * ").append(i).append(" + \"s")
                    .append(i).append("\".length(); if (y > ").append(i).append(") { y -= ").append(i)
                    .append("; } return y ^ c").append((i + 1) % methods).append("; }\n    static final int c").append(i)
                    .append(" = ").append(i).append(";\n");
        }
        return aged(Files.writeString(docroot.resolve("Slow.java"), source.append("}\n")));
    }

    @Test
    void compilerKilledMidBatchAnswersEveryWaiterIsRestartedAndLeavesNothingHalfStored() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www")).toRealPath();
        Scripts.text(docroot, "index", "up");
        Path slow = slowSource(docroot);
        List<Path> small = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            small.add(aged(Scripts.text(docroot, "Small" + i, "small " + i)));
        }
        Path segments = dir.resolve("shm");
        ExecutorService threads = Executors.newCachedThreadPool();
        try (PoolProcess pool = PoolProcess.start(docroot, segments, "restart", 1)) {
            Matcher ready = pool.supervisor().awaitLine("compiler \\(pid (\\d+)\\) listening on (\\S+)$", Duration.ofSeconds(60));
            long firstPid = Long.parseLong(ready.group(1));
            Path socket = Path.of(ready.group(2));
            // one socket per supervisor, in a directory of the segment directory that only its user may enter
            assertThat(socket.getParent().getFileName().toString()).startsWith("compiler." + pool.supervisor().pid() + ".");
            assertThat(socket.getParent().getParent()).isEqualTo(segments.toAbsolutePath());
            assertThat(Files.getAttribute(socket.getParent(), "unix:mode")).isEqualTo(040700);
            assertThat(Files.getAttribute(socket, "unix:mode")).isEqualTo(0140600);
            CompilerClient client = new CompilerClient(socket);
            assertThat(client.ping(DEADLINE_MILLIS).pid()).isEqualTo(firstPid);

            List<Future<List<FileOutcome>>> waiters = new ArrayList<>();
            waiters.add(threads.submit(() -> client.compile(List.of(slow), DEADLINE_MILLIS, PoolCompiler.Progress.NONE)));
            // The others only once the slow batch runs: sent together, one batch could take them all.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (client.ping(DEADLINE_MILLIS).runningPaths() == 0) {
                assertThat(System.nanoTime() - deadline).as("the slow batch starts").isNegative();
                Thread.sleep(5);
            }
            for (Path file : small) {
                waiters.add(threads.submit(() -> client.compile(List.of(file, slow), DEADLINE_MILLIS,
                        PoolCompiler.Progress.NONE)));
            }
            awaitQueuedBehindABatch(client);
            ProcessHandle.of(firstPid).orElseThrow().destroyForcibly();

            for (Future<List<FileOutcome>> waiter : waiters) {
                try {
                    List<FileOutcome> outcomes = waiter.get(DEADLINE_MILLIS + 30_000, TimeUnit.MILLISECONDS);
                    // an answer after the restart: a real outcome of the new compiler
                    assertThat(outcomes).allSatisfy(outcome -> assertThat(outcome.inSegment()).isTrue());
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(CompilerUnavailableException.class);
                }
            }
            pool.supervisor().awaitLine("compiler \\(pid " + firstPid + "\\) died with exit code 137 \\(signal 9\\)",
                    Duration.ofSeconds(30));
            long secondPid = client.ping(DEADLINE_MILLIS).pid();
            assertThat(secondPid).isNotEqualTo(firstPid);
            assertThat(pool.count("compiler (pid " + secondPid + ") listening on " + socket)).isEqualTo(1);
            // the killed compiler's socket file was in the way of the new one, and removed
            assertThat(pool.count("removed the stale compiler socket " + socket)).isEqualTo(1);

            Path next = aged(Scripts.text(docroot, "Next", "next"));
            assertThat(client.compile(List.of(next), DEADLINE_MILLIS, PoolCompiler.Progress.NONE))
                    .singleElement().extracting(FileOutcome::status).isEqualTo(FileOutcome.Status.COMPILED);
            try (SegmentReader segment = Segment.openReadOnly(pool.segment())) {
                assertThat(segment.peek(SegmentKey.of(next.toString()))).isNotNull();
                SegmentVerification verification = segment.verify();
                assertThat(verification.problems()).isEmpty();
                assertThat(verification.sound()).isTrue();
            }
            assertThat(pool.get("/Small0.java").body()).isEqualTo("small 0");
            pool.close();
            assertThat(socket.getParent()).doesNotExist();
        } finally {
            threads.shutdownNow();
        }
    }

    /**
     * Waits until requests are queued behind a running batch: the queue holds paths only while
     * the batch thread is busy (it takes them at once when idle), and only the slow file keeps it
     * busy for long.
     */
    private static void awaitQueuedBehindABatch(CompilerClient client) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int seenInARow = 0;
        while (seenInARow < 2) {
            if (System.nanoTime() - deadline >= 0) {
                throw new TimeoutException("no request queued behind the slow batch within 60 s");
            }
            seenInARow = client.ping(DEADLINE_MILLIS).queuedPaths() > 0 ? seenInARow + 1 : 0;
            Thread.sleep(20);
        }
    }
}
