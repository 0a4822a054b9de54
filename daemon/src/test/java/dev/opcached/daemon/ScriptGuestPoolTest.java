package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.PoolStatus;
import dev.opcached.daemon.testing.Scripts;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A misbehaving script costs its own request only: it cannot exit the worker, a storm of broken
 * files compiles at the bound and once per version and uses up no index keys, a broken file
 * compiles again only once it or what its compile looked at changed, and a link swapped in for a
 * served file is not followed. One pool of one worker (so that its pid is the worker's), shared: none of these
 * tests stops or changes it for the others.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScriptGuestPoolTest {
    private static final Pattern COMPILE_LINE = Pattern.compile("compile of \\S+/(storm\\d+)\\.java failed in \\d+ ms \\((\\d+) running\\)");

    private Path dir;
    private Path docroot;
    private PoolProcess pool;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        this.dir = dir;
        docroot = Files.createDirectories(dir.resolve("www"));
        Scripts.text(docroot, "hello", "hello");
        pool = PoolProcess.start(docroot, dir.resolve("shm"), "guests", 1, "opcache.revalidate_freq=0",
                "opcached.worker_threads=8", "display_errors=1");
    }

    @AfterAll
    void stop() throws Exception {
        if (pool != null) {
            pool.close();
        }
    }

    private String worker() throws Exception {
        HttpResponse<String> hello = pool.get("/hello.java");
        assertThat(hello.body()).isEqualTo("hello");
        return hello.headers().firstValue("X-Opcached-Worker").orElseThrow();
    }

    @Test
    void systemExitAndHaltInAScriptGet500AndTheWorkerStays() throws Exception {
        String before = worker();
        Scripts.write(docroot, "exits", "System.exit(3);");
        Scripts.write(docroot, "halts", "Runtime.getRuntime().halt(3);");
        for (String script : List.of("/exits.java", "/halts.java")) {
            HttpResponse<String> response = pool.get(script);
            assertThat(response.statusCode()).as(script).isEqualTo(500);
            assertThat(response.body()).as(script).contains("a script may not end the worker: exit(3) refused");
        }
        assertThat(worker()).as("the same worker still serves").isEqualTo(before);
        assertThat(pool.count("refused exit(3) called by script class")).isEqualTo(2);
    }

    @Test
    void aStormOfBrokenFilesCompilesOneAtATimeInTheWorker() throws Exception {
        int files = 20;
        for (int i = 0; i < files; i++) {
            Scripts.write(docroot, "storm" + i, "response.write(undefined" + i + ");");
        }
        requestAtOnceAndExpectCompileErrors("/storm", files);
        // Every answer is in, but the worker's log lines reach the supervisor's output through a
        // relay of their own: wait for them rather than read what has arrived so far.
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<Integer> running = compileLines();
        while (running.size() < files && System.nanoTime() - deadline < 0) {
            Thread.sleep(20);
            running = compileLines();
        }
        assertThat(running).as("compiles running beside each compile of a storm file, one line per file")
                .hasSize(files).containsOnly(1);
    }

    private List<Integer> compileLines() {
        Matcher lines = COMPILE_LINE.matcher(pool.supervisor().output());
        List<Integer> running = new ArrayList<>();
        while (lines.find()) {
            running.add(Integer.parseInt(lines.group(2)));
        }
        return running;
    }

    @Test
    void distinctBrokenFilesLeaveTheNumberOfCachedKeysAsItWas() throws Exception {
        worker();
        long before = PoolStatus.of(pool).opcacheStatistics().numCachedKeys();
        int files = 30;
        for (int i = 0; i < files; i++) {
            Path file = Scripts.write(docroot, "keyless" + i, "response.write(missing" + i + ");");
            // Older than file_update_protection, so that the compile claims the key in the segment.
            Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
        }
        requestAtOnceAndExpectCompileErrors("/keyless", files);
        assertThat(PoolStatus.of(pool).opcacheStatistics().numCachedKeys()).as("num_cached_keys").isEqualTo(before);
        assertThat(pool.statistics().hashRestarts()).isZero();
    }

    @Test
    void aBrokenFileIsCompiledOnceUntilItChanges() throws Exception {
        Path broken = Scripts.write(docroot, "broken", "response.write(nothing);");
        long before = pool.statistics().compiles();
        ExecutorService clients = Executors.newFixedThreadPool(10);
        try {
            List<Future<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                responses.add(clients.submit(() -> pool.get("/broken.java")));
            }
            for (Future<HttpResponse<String>> response : responses) {
                assertThat(response.get().statusCode()).isEqualTo(500);
                assertThat(response.get().body()).as("the same diagnostics each time")
                        .contains("broken.java:4: error: cannot find symbol");
            }
        } finally {
            clients.shutdownNow();
        }
        assertThat(pool.get("/broken.java").statusCode()).isEqualTo(500);
        assertThat(pool.statistics().compiles() - before).as("compiles of the broken file").isEqualTo(1);

        Scripts.text(docroot, "broken", "mended now");
        assertThat(pool.get("/broken.java").body()).as("a new size is a new version").isEqualTo("mended now");
    }

    @Test
    void aBrokenFileAskedForLongerThanAnyPeriodIsCompiledOnceAndServesAsSoonAsTheClassItNeedsAppears()
            throws Exception {
        Path needy = Scripts.write(docroot, "needy", "response.write(Needed.greeting());");
        // Deployed before the requests, as the directory javac looks Needed up in: stamps this
        // fresh could miss a change in the same clock tick, and such a failure lasts 2 s only.
        FileTime deployed = FileTime.fromMillis(System.currentTimeMillis() - 3_600_000);
        Files.setLastModifiedTime(needy, deployed);
        Files.setLastModifiedTime(docroot, deployed);
        long before = pool.statistics().compiles();
        // Longer than the 2 s a failure used to be remembered for, at a request's pace.
        long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        int requests = 0;
        while (System.nanoTime() - end < 0 || requests < 2) {
            HttpResponse<String> response = pool.get("/needy.java");
            assertThat(response.statusCode()).isEqualTo(500);
            assertThat(response.body()).as("the same diagnostics each time")
                    .contains("needy.java:4: error: cannot find symbol");
            requests++;
            Thread.sleep(200);
        }
        assertThat(pool.statistics().compiles() - before).as("compiles of the broken file in %d requests", requests)
                .isEqualTo(1);

        // The class it names, as a file of its own beside it: the script itself is as it was.
        Files.writeString(docroot.resolve("Needed.java"),
                "public final class Needed {\n    public static String greeting() { return \"found\"; }\n}\n");
        HttpResponse<String> fixed = pool.get("/needy.java");
        assertThat(fixed.statusCode()).as("the next request, with no period to wait: %s", fixed.body()).isEqualTo(200);
        assertThat(fixed.body()).isEqualTo("found");
    }

    @Test
    void aServedFileReplacedByALinkOutOfTheDocrootIsNotFound() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Scripts.text(outside, "swapped", "the file outside the docroot, longer");
        Path inside = Scripts.text(docroot, "swapped", "inside");
        assertThat(pool.get("/swapped.java").body()).isEqualTo("inside");

        Files.delete(inside);
        Files.createSymbolicLink(inside, outside.resolve("swapped.java"));
        HttpResponse<String> response = pool.get("/swapped.java");
        assertThat(response.body()).doesNotContain("outside");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(pool.get("/swapped.java").statusCode()).as("and stays so").isEqualTo(404);
    }

    /** Requests {@code prefix0.java} … {@code prefix(n-1).java} all at once; each must answer its compile error. */
    private void requestAtOnceAndExpectCompileErrors(String prefix, int files) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(files);
        try {
            List<Future<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < files; i++) {
                String path = prefix + i + ".java";
                responses.add(clients.submit(() -> pool.get(path)));
            }
            for (Future<HttpResponse<String>> response : responses) {
                assertThat(response.get().statusCode()).isEqualTo(500);
                assertThat(response.get().body()).contains("error: cannot find symbol");
            }
        } finally {
            clients.shutdownNow();
        }
    }
}
