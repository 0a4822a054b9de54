package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.BackdatedSources;
import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.PoolStatus;
import dev.opcached.protocol.admin.StatusResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sealed file cache under a real pool: after a reset (or in another release directory with
 * the same content) unchanged scripts load from it without javac; a change compiles only what
 * changed and what was compiled against it; damaged entries are refused, counted and compiled
 * again, and the answers stay right.
 */
class FileCachePoolTest {
    private static final int PAGES = 4;
    private final BackdatedSources sources = new BackdatedSources();

    @TempDir
    Path dir;

    /** {@code PAGES} pages, each using module {@code mod.M<i % 2>}, all older than file_update_protection. */
    private Path application(String name, String version) throws Exception {
        Path docroot = Files.createDirectories(dir.resolve(name));
        for (int m = 0; m < 2; m++) {
            module(docroot, m, version);
        }
        for (int p = 0; p < PAGES; p++) {
            write(docroot, "page" + p + ".java", "import dev.opcached.script.*;\npublic class page" + p
                    + " implements Script {\n    public void handle(Request q, Response r) {\n"
                    + "        r.write(\"page" + p + " \" + mod.M" + (p % 2) + ".v());\n    }\n}\n");
        }
        return docroot;
    }

    private void module(Path docroot, int m, String version) throws Exception {
        write(docroot, "mod/M" + m + ".java", "package mod;\npublic class M" + m
                + " {\n    public static String v() { return \"" + version + "\"; }\n}\n");
    }

    private void write(Path docroot, String relative, String source) throws Exception {
        sources.write(docroot, relative, source);
    }

    private static void requestAll(PoolProcess pool, String version) throws Exception {
        for (int p = 0; p < PAGES; p++) {
            HttpResponse<String> response = pool.get("/page" + p + ".java");
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("page" + p + " " + version);
        }
    }

    private static String reset(PoolProcess pool) throws Exception {
        String token = Files.readString(pool.tokenFile()).trim();
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(pool.adminUrl() + "/reset")).header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    private static StatusResponse.FileCacheStatistics fileCache(PoolProcess pool) throws Exception {
        return PoolStatus.of(pool).fileCacheStatistics();
    }

    private PoolProcess start(Path docroot) throws Exception {
        return PoolProcess.start(docroot, dir.resolve("shm"), "filecache", 1, "opcache.revalidate_freq=0");
    }

    @Test
    void aResetWithNothingChangedCompilesNothingAndAChangeCompilesOnlyItAndItsUsers() throws Exception {
        Path docroot = application("www", "v1");
        try (PoolProcess pool = start(docroot)) {
            requestAll(pool, "v1");
            long compiles = pool.statistics().compiles();
            assertThat(compiles).as("four pages and two modules").isEqualTo(PAGES + 2);
            assertThat(fileCache(pool).stores()).as("unit and source key per file").isEqualTo(2L * (PAGES + 2));

            reset(pool);
            requestAll(pool, "v1");
            assertThat(pool.statistics().compiles()).as("nothing changed: nothing compiled").isEqualTo(compiles);
            assertThat(fileCache(pool).hits()).isPositive();

            module(docroot, 0, "v2");
            assertThat(reset(pool)).as("the reset compiled what changed before it emptied the cache")
                    .contains("\"compiled_first\":" + (1 + PAGES / 2));
            for (int p = 0; p < PAGES; p++) {
                assertThat(pool.get("/page" + p + ".java").body()).isEqualTo("page" + p + " " + (p % 2 == 0 ? "v2" : "v1"));
            }
            assertThat(pool.statistics().compiles() - compiles).as("M0 and the two pages compiled against it")
                    .isEqualTo(1 + PAGES / 2);
        }
    }

    @Test
    void aDeployUnderLoadCompilesEachChangedFileAndEachUserOnceWhileWorkersRevalidateToo() throws Exception {
        Path docroot = application("www", "v1");
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "deploy", 2, "opcache.revalidate_freq=1")) {
            requestAll(pool, "v1");
            long compiles = pool.statistics().compiles();
            AtomicBoolean loading = new AtomicBoolean(true);
            ExecutorService load = Executors.newFixedThreadPool(2);
            try {
                List<Future<String>> clients = new ArrayList<>();
                for (int c = 0; c < 2; c++) {
                    clients.add(load.submit(() -> {
                        for (int i = 0; loading.get(); i++) {
                            HttpResponse<String> response = pool.get("/page" + i % PAGES + ".java");
                            if (response.statusCode() != 200) {
                                return response.statusCode() + " " + response.body();
                            }
                        }
                        return "";
                    }));
                }
                // Both modules change: workers' revalidation has pages compiled again in the
                // background, and the reset compiles the rest first, then loads the cache back.
                module(docroot, 0, "v2");
                module(docroot, 1, "v2");
                pool.awaitResponse("/page0.java", response -> response.body().endsWith(" v2"), Duration.ofSeconds(60));
                reset(pool);
                pool.awaitResponse("/page1.java", response -> response.body().endsWith(" v2"), Duration.ofSeconds(60));
                loading.set(false);
                for (Future<String> client : clients) {
                    assertThat(client.get(60, TimeUnit.SECONDS)).as("a non-200 answer under load").isEmpty();
                }
            } finally {
                loading.set(false);
                load.shutdownNow();
            }
            requestAll(pool, "v2");
            assertThat(pool.statistics().compiles() - compiles).as("the two modules and the pages, each once")
                    .isEqualTo(2 + PAGES);
        }
    }

    @Test
    void anotherReleaseDirectoryWithTheSameContentUsesTheSameEntries() throws Exception {
        try (PoolProcess first = start(application("release-1", "same"))) {
            requestAll(first, "same");
        }
        try (PoolProcess second = start(application("release-2", "same"))) {
            requestAll(second, "same");
            assertThat(second.statistics().compiles()).as("every unit from the file cache").isZero();
            assertThat(fileCache(second).hits()).isPositive();
        }
    }

    @Test
    void damagedEntriesAreRefusedCountedAndCompiledAgainWithTheRightAnswers() throws Exception {
        Path docroot = application("www", "v1");
        try (PoolProcess pool = start(docroot)) {
            requestAll(pool, "v1");
            long compiles = pool.statistics().compiles();
            Path cache = pool.tokenFile().resolveSibling("file_cache");
            List<Path> entries;
            try (Stream<Path> files = Files.walk(cache)) {
                entries = files.filter(Files::isRegularFile).toList();
            }
            assertThat(entries).hasSize(2 * (PAGES + 2));
            for (Path entry : entries) {
                // One flipped byte in the middle of each: the seal no longer holds.
                try (FileChannel channel = FileChannel.open(entry, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    long at = channel.size() / 2;
                    ByteBuffer one = ByteBuffer.allocate(1);
                    channel.read(one, at);
                    one.put(0, (byte) (one.get(0) ^ 0x40)).rewind();
                    channel.write(one, at);
                }
            }
            reset(pool);
            requestAll(pool, "v1");
            assertThat(fileCache(pool).rejections()).as("every damaged entry that was read").isPositive();
            assertThat(pool.statistics().compiles() - compiles).as("compiled again").isEqualTo(PAGES + 2);
        }
    }
}
