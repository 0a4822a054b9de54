package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentReader;
import dev.opcached.protocol.segment.SegmentStatistics;
import dev.opcached.protocol.testing.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Like OPcache under FPM, a cache belongs to the process tree that made it: two pools on one host
 * never touch each other's cache, and the command-line mode touches neither.
 */
class PoolIsolationTest {
    @TempDir
    Path dir;

    @Test
    void twoPoolsHaveTheirOwnSegmentsAndResettingOneLeavesTheOtherAlone() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Path script = Scripts.text(docroot, "hello", "hello");
        Path segments = dir.resolve("shm");
        try (PoolProcess a = PoolProcess.start(docroot, segments, "a", 1, "opcache.file_update_protection=0");
             PoolProcess b = PoolProcess.start(docroot, segments, "b", 1, "opcache.file_update_protection=0")) {
            assertThat(a.segment()).isNotEqualTo(b.segment());
            assertThat(a.get("/hello.java").body()).isEqualTo("hello");
            assertThat(b.get("/hello.java").body()).isEqualTo("hello");
            SegmentStatistics before = b.statistics();
            assertThat(before.numCachedScripts()).isEqualTo(1);

            try (Segment segmentOfA = Segment.attach(a.segment())) {
                segmentOfA.reset();
                segmentOfA.invalidatePrefix(docroot.toRealPath().toString());
            }
            Path cliScript = Scripts.text(dir, "cli", "from the command line");
            try (ChildJvm run = ChildJvm.start(Opcached.class, "run", cliScript.toString())) {
                assertThat(run.awaitExit(Duration.ofSeconds(60))).as(run.output()).isZero();
                assertThat(run.output()).contains("from the command line");
                assertThat(run.output()).as("opcached run compiles in-process").doesNotContain("compiler started");
            }

            assertThat(a.statistics().manualRestarts()).isEqualTo(1);
            assertThat(a.statistics().numCachedScripts()).isZero();
            SegmentStatistics after = b.statistics();
            assertThat(after.manualRestarts()).isZero();
            assertThat(after.numCachedScripts()).isEqualTo(1);
            assertThat(after.hits()).isEqualTo(before.hits());
            assertThat(after.misses()).isEqualTo(before.misses());
            assertThat(after.compiles()).isEqualTo(before.compiles());
            try (SegmentReader segmentOfB = Segment.openReadOnly(b.segment())) {
                assertThat(segmentOfB.scripts()).extracting(s -> s.fullPath()).containsExactly(script.toRealPath().toString());
            }
            assertThat(Files.list(segments).map(p -> p.getFileName().toString()).filter(name -> name.endsWith(".seg")))
                    .as("opcached run made no segment next to the pools'").hasSize(2);
            // and each pool has its own compiler socket, named after its supervisor
            assertThat(Files.list(segments).map(p -> p.getFileName().toString()).filter(name -> name.startsWith("compiler.")))
                    .hasSize(2).anyMatch(name -> name.startsWith("compiler." + a.supervisor().pid() + "."))
                    .anyMatch(name -> name.startsWith("compiler." + b.supervisor().pid() + "."));
        }
    }
}
