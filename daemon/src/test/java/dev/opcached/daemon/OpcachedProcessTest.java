package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.testing.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The supervisor as a real process: its segment lives exactly as long as it does. */
class OpcachedProcessTest {
    private static final String READY = "pool (\\S+) ready: segment (\\S+) ";

    @TempDir
    Path dir;

    private ChildJvm start(String pool) throws Exception {
        Path docroot = java.nio.file.Files.createDirectories(dir.resolve("www"));
        return ChildJvm.start(Opcached.class, "--pool", pool, "--segment-dir", dir.resolve("shm").toString(),
                "--docroot", docroot.toString(), "--workers", "1", "--listen", "127.0.0.1:0",
                "--admin-listen", "127.0.0.1:0", "--state-dir", dir.resolve("state").toString(),
                "-d", "opcache.memory_consumption=8", "-d", "opcache.max_accelerated_files=200");
    }

    @Test
    void sigtermDeletesTheSegmentAndExitsZero() throws Exception {
        try (ChildJvm supervisor = start("www")) {
            Path segment = Path.of(supervisor.awaitLine(READY, Duration.ofSeconds(30)).group(2));
            assertThat(segment.getFileName().toString()).startsWith("www." + supervisor.pid() + ".");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(segment))).isEqualTo("rw-------");
            try (Segment attached = Segment.attach(segment)) {
                assertThat(attached.memoryConsumption()).isEqualTo(8 << 20);
            }
            supervisor.awaitLine("\\[\\d+ worker-1\\] .* serving ", Duration.ofSeconds(30));
            supervisor.process().toHandle().destroy();
            assertThat(supervisor.awaitExit(Duration.ofSeconds(30))).as(supervisor.output()).isZero();
            assertThat(segment).doesNotExist();
            assertThat(supervisor.output()).contains("[" + supervisor.pid() + " supervisor]")
                    .containsPattern("\\[\\d+ worker-1\\]").doesNotContain("WARN").doesNotContain("ERROR");
        }
    }

    @Test
    void segmentOfAKilledSupervisorIsRemovedByTheNextStart() throws Exception {
        Path abandoned;
        try (ChildJvm killed = start("www")) {
            abandoned = Path.of(killed.awaitLine(READY, Duration.ofSeconds(30)).group(2));
            killed.kill();
        }
        assertThat(abandoned).exists();
        try (ChildJvm next = start("www")) {
            next.awaitLine(READY, Duration.ofSeconds(30));
            assertThat(abandoned).doesNotExist();
            assertThat(next.output()).contains("removed the segment of a supervisor that died: " + abandoned);
        }
    }

    @Test
    void invalidDirectiveStopsTheStartWithItsNameAndRange() throws Exception {
        try (ChildJvm supervisor = ChildJvm.start(Opcached.class, "--segment-dir", dir.toString(),
                "-d", "opcache.max_wasted_percentage=90")) {
            assertThat(supervisor.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
            assertThat(supervisor.output()).contains("opcache.max_wasted_percentage=90 is out of range; allowed 1..50");
        }
    }
}
