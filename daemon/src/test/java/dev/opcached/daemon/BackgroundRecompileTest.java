package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.BackdatedSources;
import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.protocol.segment.ActivityLayout;
import dev.opcached.protocol.segment.SegmentFiles;
import dev.opcached.protocol.segment.UsageLayout;
import java.nio.ByteOrder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With revalidate_freq above 0 a changed input is compiled in the background while the version in
 * the cache serves: the new version arrives within the period plus its compile, a broken one
 * becomes the 500 with its diagnostics, and its fix serves again.
 */
class BackgroundRecompileTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private final BackdatedSources sources = new BackdatedSources();

    @TempDir
    Path dir;

    private void write(Path docroot, String relative, String source) throws Exception {
        sources.write(docroot, relative, source);
    }

    private void part(Path docroot, String body) throws Exception {
        write(docroot, "parts/Part.java", "package parts;\npublic class Part { public static String v() { return " + body + "; } }\n");
    }

    @Test
    void aChangedInputIsCompiledBehindTheServingVersion() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        part(docroot, "\"one\"");
        write(docroot, "page.java", "import dev.opcached.script.*;\npublic class page implements Script {\n"
                + "    public void handle(Request q, Response r) { r.write(\"page \" + parts.Part.v()); }\n}\n");
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "background", 2, "opcache.revalidate_freq=1",
                "display_errors=1")) {
            assertThat(pool.get("/page.java").body()).isEqualTo("page one");

            part(docroot, "\"two\"");
            pool.awaitResponse("/page.java", r -> r.statusCode() == 200 && r.body().equals("page two"), DEADLINE);
            pool.supervisor().awaitLine("page\\.java was compiled against \\S+Part\\.java, which changed on disk; compiling it again",
                    DEADLINE);

            part(docroot, "undefinedName");
            HttpResponse<String> broken = pool.awaitResponse("/page.java", r -> r.statusCode() == 500, DEADLINE);
            assertThat(broken.body()).contains("Part.java").contains("undefinedName");

            part(docroot, "\"three\"");
            pool.awaitResponse("/page.java", r -> r.statusCode() == 200 && r.body().equals("page three"), DEADLINE);
        }
    }

    /**
     * The pool-wide claim is in the activity file, which scripts can write: one that keeps every
     * key's claim one period ahead, so that nobody's claim ever succeeds (here the test writes the
     * file as such a script would), holds no edit back for long, since each worker checks a version
     * itself after a few periods without one.
     */
    @Test
    void aProcessThatKeepsEveryClaimAheadDoesNotHoldAnEditBack() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        write(docroot, "hogged.java", "public class hogged implements dev.opcached.script.Script {\n"
                + "    public void handle(dev.opcached.script.Request q, dev.opcached.script.Response r) { r.write(\"v1\"); }\n}\n");
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "hogged", 1, "opcache.revalidate_freq=1");
             FileChannel channel = FileChannel.open(SegmentFiles.activityPath(pool.segment()), StandardOpenOption.READ,
                     StandardOpenOption.WRITE)) {
            assertThat(pool.get("/hogged.java").body()).isEqualTo("v1");
            ByteBuffer activity = channel.map(FileChannel.MapMode.READ_WRITE, 0, channel.size())
                    .order(ByteOrder.LITTLE_ENDIAN);
            AtomicBoolean hogging = new AtomicBoolean(true);
            Thread hog = new Thread(() -> {
                while (hogging.get()) {
                    long ahead = System.currentTimeMillis() + 1_000;
                    for (int record = ActivityLayout.LENGTH; record < activity.capacity(); record += UsageLayout.LENGTH) {
                        activity.putLong(record + UsageLayout.REVALIDATE_AFTER_MILLIS_OFFSET, ahead);
                    }
                    LockSupport.parkNanos(1_000_000);
                }
            }, "hog");
            hog.start();
            try {
                write(docroot, "hogged.java", "public class hogged implements dev.opcached.script.Script {\n"
                        + "    public void handle(dev.opcached.script.Request q, dev.opcached.script.Response r) { r.write(\"v2\"); }\n}\n");
                pool.awaitResponse("/hogged.java", r -> r.statusCode() == 200 && r.body().equals("v2"), DEADLINE);
            } finally {
                hogging.set(false);
                hog.join();
            }
        }
    }
}
