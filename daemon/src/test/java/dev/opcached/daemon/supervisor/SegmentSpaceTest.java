package dev.opcached.daemon.supervisor;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The free-space check before a segment is created. Unit-tested with an injected measure: no file
 * system on a test machine is reliably smaller than the largest segment (2047 MiB).
 */
class SegmentSpaceTest {
    @TempDir
    Path dir;

    @Test
    void segmentLargerThanTheFreeSpaceIsRefusedNamingBothDirectivesAndTheFix() {
        SegmentSpace space = new SegmentSpace(directory -> 100L << 20);
        assertThatThrownBy(() -> space.require(dir, 128L << 20))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("opcache.memory_consumption=128 (MiB) does not fit in opcached.segment_dir=" + dir
                        + ": its file system has 100 MiB free; lower opcache.memory_consumption, free space there,"
                        + " or choose another opcached.segment_dir");
    }

    @Test
    void segmentThatFitsPasses() {
        assertThatCode(() -> new SegmentSpace(directory -> 128L << 20).require(dir, 128L << 20)).doesNotThrowAnyException();
        assertThatCode(() -> SegmentSpace.ofFileSystem().require(dir, 1 << 20)).doesNotThrowAnyException();
    }
}
