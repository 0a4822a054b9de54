package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.BackdatedSources;
import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.PoolStatus;
import dev.opcached.protocol.admin.StatusResponse;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new worker loads the pool's hot scripts from the segment before it says ready, and a script
 * the segment holds in a version that cannot be loaded does not stop it; status shows each
 * worker's memory and age. Each test starts a pool of its own.
 */
class WorkerWarmupTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private Path docroot;
    private final BackdatedSources sources = new BackdatedSources();

    @Test
    void aWorkerRecycledAfterMaxRequestsHasTheHotScriptsDefinedBeforeItIsReady() throws Exception {
        docroot = Files.createDirectories(dir.resolve("www"));
        write("parts/Banner.java", "package parts;\npublic class Banner { public static String text() { return \"banner\"; } }\n");
        write("page.java", script("page", "parts", "response.write(Banner.text());"));
        write("hello.java", script("hello", null, "response.write(\"hello\");"));
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "warmup", 1, "pm.max_requests=30")) {
            String first = pool.get("/hello.java").headers().firstValue("X-Opcached-Worker").orElseThrow();
            // A fresh pool's worker had nothing to load and started without the warm-up's steps.
            assertThat(pool.supervisor().output()).doesNotContainPattern("\\[" + first + " worker-1\\].*warm-up: loaded");
            assertThat(pool.get("/page.java").body()).isEqualTo("banner");
            String replacement = first;
            while (replacement.equals(first)) {
                HttpResponse<String> response = pool.awaitResponse("/hello.java", r -> r.statusCode() == 200, DEADLINE);
                replacement = response.headers().firstValue("X-Opcached-Worker").orElseThrow();
            }
            pool.supervisor().awaitLine("\\(pid " + replacement + "\\) ready", DEADLINE);
            Matcher loaded = loadedLine(pool, replacement);
            // hello, page and the module page was compiled against: three units, one class each.
            assertThat(loaded.group(1)).isEqualTo("3");
            assertThat(loaded.group(2)).isEqualTo("3");
            String output = pool.supervisor().output();
            assertThat(output.indexOf(loaded.group()))
                    .as("loaded before ready").isLessThan(output.indexOf("(pid " + replacement + ") ready"));
            assertThat(pool.get("/page.java").body()).isEqualTo("banner");
        }
    }

    @Test
    void aStaleScriptInTheSegmentIsALogLineAndTheReplacementIsReadyAnyway() throws Exception {
        docroot = Files.createDirectories(dir.resolve("www"));
        write("parts/Widget.java", "package parts;\npublic class Widget { public static String v() { return \"1\"; } }\n");
        write("a.java", script("a", "parts", "response.write(\"a\" + Widget.v());"));
        write("b.java", script("b", "parts", "response.write(\"b\" + Widget.v());"));
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "stale", 1,
                "opcache.revalidate_freq=0", "opcache.file_update_protection=0")) {
            assertThat(pool.get("/a.java").body()).isEqualTo("a1");
            assertThat(pool.get("/b.java").body()).isEqualTo("b1");
            // a is compiled again against the new module; b's entry still links the old one.
            write("parts/Widget.java", "package parts;\npublic class Widget { public static String v() { return \"22\"; } }\n");
            HttpResponse<String> fresh = pool.awaitResponse("/a.java", r -> r.body().equals("a22"), DEADLINE);
            String victim = fresh.headers().firstValue("X-Opcached-Worker").orElseThrow();

            ProcessHandle.of(Long.parseLong(victim)).orElseThrow().destroyForcibly();
            HttpResponse<String> b = pool.awaitResponse("/b.java",
                    r -> !r.headers().firstValue("X-Opcached-Worker").orElseThrow().equals(victim), DEADLINE);
            assertThat(b.body()).isEqualTo("b22");
            String replacement = b.headers().firstValue("X-Opcached-Worker").orElseThrow();
            Matcher loaded = loadedLine(pool, replacement);
            assertThat(loaded.group(3)).as(loaded.group()).isEqualTo("; 1 could not be loaded");
            assertThat(pool.supervisor().output()).containsPattern("\\[" + replacement + " worker-1\\].*warm-up: "
                    + Pattern.quote(docroot.toRealPath().resolve("b.java").toString())
                    + " not loaded from the segment \\(its first request loads it\\): .*compiled against");
        }
    }

    @Test
    void statusShowsEachLiveWorkersMemoryAndAge() throws Exception {
        docroot = Files.createDirectories(dir.resolve("www"));
        write("hello.java", script("hello", null, "response.write(\"hello\");"));
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "memory", 2)) {
            List<StatusResponse.WorkerStatus> workers = PoolStatus.of(pool).workers();
            assertThat(workers).hasSize(2);
            for (StatusResponse.WorkerStatus worker : workers) {
                assertThat(worker.pid()).as(worker.toString()).isPositive();
                assertThat(worker.age()).as(worker.toString()).isNotNull().isGreaterThanOrEqualTo(0);
                assertThat(worker.pss()).as(worker.toString()).isNotNull().isPositive();
                // A JVM is more than a few MiB resident, and its PSS is never more than its RSS.
                assertThat(worker.rss()).as(worker.toString()).isNotNull()
                        .isGreaterThan(8L << 20).isGreaterThanOrEqualTo(worker.pss());
            }
        }
    }

    /** The new worker's warm-up line: scripts loaded, classes defined, what could not be loaded. */
    private static Matcher loadedLine(PoolProcess pool, String pid) throws Exception {
        return pool.supervisor().awaitLine("\\[" + pid + " worker-1\\].*warm-up: loaded (\\d+) hot scripts \\((\\d+) classes\\)"
                + " from the segment in \\d+ ms(; \\d+ could not be loaded)?", DEADLINE);
    }

    private Path write(String relative, String source) throws Exception {
        return sources.write(docroot, relative, source);
    }

    private static String script(String name, String pkg, String body) {
        return "import dev.opcached.script.*;\n" + (pkg == null ? "" : "import " + pkg + ".*;\n")
                + "public class " + name + " implements Script {\n"
                + "    public void handle(Request request, Response response) throws Exception {\n"
                + "        " + body + "\n    }\n}\n";
    }
}
