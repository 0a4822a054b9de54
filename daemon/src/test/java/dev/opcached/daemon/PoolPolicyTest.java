package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentReader;
import dev.opcached.protocol.segment.SegmentStatistics;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * OPcache's rules for what is cached and when changes are seen, with validate_timestamps off:
 * files too new, too big or blacklisted are compiled (once per version) but not cached; a change is picked up only by
 * a reset or an invalidation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PoolPolicyTest {
    private Path docroot;
    private PoolProcess pool;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        docroot = Files.createDirectories(dir.resolve("www"));
        Files.createDirectories(docroot.resolve("private"));
        Files.createDirectories(docroot.resolve("lib"));
        Path blacklist = Files.writeString(dir.resolve("blacklist.txt"), "; not cached\n" + docroot.toRealPath() + "/private/\n");
        pool = PoolProcess.start(docroot, dir.resolve("shm"), "policy", 1,
                "opcache.validate_timestamps=0", "opcache.file_update_protection=2", "opcache.max_file_size=2K",
                "opcache.blacklist_filename=" + blacklist, "display_errors=0");
    }

    @AfterAll
    void stop() throws Exception {
        if (pool != null) {
            pool.close();
        }
    }

    private static Path aged(Path file) throws Exception {
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
        return file;
    }

    /** Not cached, and compiled once per version of the file (mtime and size) in the worker. */
    private void assertCompiledOncePerVersionButNotCached(String path) throws Exception {
        SegmentStatistics before = pool.statistics();
        assertThat(pool.get(path).statusCode()).isEqualTo(200);
        assertThat(pool.get(path).statusCode()).isEqualTo(200);
        SegmentStatistics after = pool.statistics();
        assertThat(after.compiles() - before.compiles()).as("compiles of %s", path).isEqualTo(1);
        assertThat(after.numCachedScripts()).isEqualTo(before.numCachedScripts());
        Files.writeString(docroot.resolve(path.substring(1)), "\n", java.nio.file.StandardOpenOption.APPEND);
        assertThat(pool.get(path).statusCode()).isEqualTo(200);
        assertThat(pool.statistics().compiles() - before.compiles()).as("compiles of %s, changed", path).isEqualTo(2);
        assertThat(pool.statistics().numCachedScripts()).isEqualTo(before.numCachedScripts());
    }

    @Test
    void fileModifiedWithinFileUpdateProtectionIsNotCached() throws Exception {
        Scripts.text(docroot, "fresh", "fresh");
        assertCompiledOncePerVersionButNotCached("/fresh.java");
    }

    @Test
    void fileLargerThanMaxFileSizeIsNotCached() throws Exception {
        aged(Scripts.write(docroot, "big", "response.write(\"big\"); /* " + "x".repeat(3000) + " */"));
        assertCompiledOncePerVersionButNotCached("/big.java");
    }

    @Test
    void blacklistedFileIsNotCachedAndCountsBlacklistMisses() throws Exception {
        aged(Scripts.text(docroot.resolve("private"), "hidden", "hidden"));
        long misses = pool.statistics().blacklistMisses();
        assertCompiledOncePerVersionButNotCached("/private/hidden.java");
        assertThat(pool.statistics().blacklistMisses() - misses).isEqualTo(3);
    }

    @Test
    void withoutTimestampValidationOnlyAResetShowsAChange() throws Exception {
        aged(Scripts.text(docroot, "stable", "first"));
        assertThat(pool.get("/stable.java").body()).isEqualTo("first");
        aged(Scripts.text(docroot, "stable", "second, longer"));
        long compiles = pool.statistics().compiles();
        for (int i = 0; i < 5; i++) {
            assertThat(pool.get("/stable.java").body()).isEqualTo("first");
        }
        assertThat(pool.statistics().compiles()).as("no stat, no recompile").isEqualTo(compiles);
        try (Segment segment = Segment.attach(pool.segment())) {
            segment.reset();
        }
        assertThat(pool.get("/stable.java").body()).isEqualTo("second, longer");
    }

    @Test
    void scriptsUseOtherDocrootFilesEachCachedAsItsOwnEntry() throws Exception {
        aged(Files.writeString(docroot.resolve("lib/Greeter.java"),
                "package lib;\npublic final class Greeter {\n    public static String greet(String who) { return \"hi \" + who; }\n}\n"));
        aged(Scripts.write(docroot, "uses", "response.write(lib.Greeter.greet(\"lib\"));"));
        assertThat(pool.get("/uses.java").body()).isEqualTo("hi lib");
        try (SegmentReader segment = Segment.openReadOnly(pool.segment())) {
            assertThat(segment.scripts()).extracting(s -> s.fullPath())
                    .contains(docroot.resolve("uses.java").toRealPath().toString(),
                            docroot.resolve("lib/Greeter.java").toRealPath().toString());
        }
    }

    @Test
    void withoutDisplayErrorsA500SaysNothingButTheLogDoes() throws Exception {
        aged(Scripts.write(docroot, "secretly_broken", "response.write(missingThing);"));
        HttpResponse<String> response = pool.get("/secretly_broken.java");
        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).isEqualTo("500 Internal Server Error\n");
        assertThat(pool.supervisor().output()).contains("missingThing");
    }
}
