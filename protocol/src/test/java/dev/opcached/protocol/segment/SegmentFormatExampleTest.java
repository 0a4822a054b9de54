package dev.opcached.protocol.segment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worked example of docs/segment-format.md §11, byte for byte, so that the spec cannot drift from the code. */
class SegmentFormatExampleTest {
    @TempDir
    Path dir;

    private static String hex(RandomAccessFile file, long offset, int length) throws Exception {
        byte[] bytes = new byte[length];
        file.seek(offset);
        file.readFully(bytes);
        return HexFormat.ofDelimiter(" ").formatHex(bytes);
    }

    @Test
    void workedExampleOfTheSpec() throws Exception {
        long now = 1_700_000_000_000L;
        try (Segment segment = Segment.create(dir.resolve("example.seg"), new SegmentConfig(1 << 20, 64, 5), () -> now)) {
            SegmentKey key = SegmentKey.of("/a.java");
            byte[] payload = ClassFilePayload.encode(List.of(new ClassFile("Hello", new byte[] {(byte) 0xCA, (byte) 0xFE,
                    (byte) 0xBA, (byte) 0xBE})));
            segment.store(key, new EntryMetadata(1_699_999_000_000L, 14, 42, 1_700_000_000_000L, 1234), payload);
            segment.lookup(key);
            try (RandomAccessFile file = new RandomAccessFile(segment.path().toFile(), "r");
                 RandomAccessFile activity = new RandomAccessFile(SegmentFiles.activityPath(segment.path()).toFile(), "r")) {
                assertThat(hex(file, 0x3000, 16)).isEqualTo("4f 50 43 45 1d 4b 66 41 01 00 00 00 00 00 00 00");
                assertThat(hex(file, 0x3040, 16)).isEqualTo("70 00 00 00 07 00 00 00 15 00 00 00 00 00 00 00");
                assertThat(hex(file, 0x3060, 16)).isEqualTo("65 6c 6c 6f 04 00 00 00 ca fe ba be 00 00 00 00");
                assertThat(hex(file, 0x17c0, 16)).isEqualTo("00 30 00 00 01 00 00 00 1f e8 5f af 74 f1 6e 80");
                assertThat(hex(file, 0x17e0, 16)).isEqualTo("00 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00");
                assertThat(hex(file, HeaderLayout.ARENA_OFFSET_OFFSET, 8)).isEqualTo("00 30 00 00 00 00 00 00");
                assertThat(hex(activity, 0, 32)).isEqualTo("4f 50 43 41 43 54 49 56 06 00 00 00 00 10 00 00"
                        + " 00 20 00 00 00 00 00 00 80 00 00 00 00 00 00 00");
                assertThat(hex(activity, ActivityLayout.SEGMENT_ID_OFFSET, 8))
                        .isEqualTo(hex(file, HeaderLayout.SEGMENT_ID_OFFSET, 8));
                assertThat(hex(activity, 0x13e0, 16)).isEqualTo("01 00 00 00 00 00 00 00 00 68 e5 cf 8b 01 00 00");
            }
        }
    }
}
