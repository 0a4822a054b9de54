package dev.opcached.daemon.filecache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.protocol.segment.EpochClock;
import dev.opcached.protocol.unit.Sha256;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worked example of docs/file-cache-format.md §6, byte for byte, so that the spec cannot drift from the code. */
class FileCacheFormatExampleTest {
    @TempDir
    Path dir;

    private static String hex(byte[] bytes, int offset, int length) {
        return HexFormat.ofDelimiter(" ").formatHex(Arrays.copyOfRange(bytes, offset, Math.min(bytes.length, offset + length)));
    }

    @Test
    void workedExampleOfTheSpec() throws Exception {
        byte[] keyBytes = new byte[SealKey.LENGTH];
        for (int i = 0; i < keyBytes.length; i++) {
            keyBytes[i] = (byte) i;
        }
        Sha256 key = Sha256.of("hello".getBytes(StandardCharsets.US_ASCII));
        assertThat(key.hex()).isEqualTo("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        FileCache cache = FileCache.open(new FileCacheConfig(dir.resolve("file_cache"), dir.resolve("file_cache.key"), false,
                1 << 20), SealKey.of(keyBytes), EpochClock.SYSTEM);
        cache.write(Namespace.UNIT, key, "Hi!\n".getBytes(StandardCharsets.US_ASCII));
        byte[] file = Files.readAllBytes(dir.resolve("file_cache/unit/" + key.hex()));
        assertThat(file).hasSize(84);
        assertThat(hex(file, 0x00, 16)).isEqualTo("4f 50 46 43 01 00 00 00 01 00 00 00 04 00 00 00");
        assertThat(hex(file, 0x10, 16)).isEqualTo("2c f2 4d ba 5f b0 a3 0e 26 e8 3b 2a c5 b9 e2 9e");
        assertThat(hex(file, 0x20, 16)).isEqualTo("1b 16 1e 5c 1f a7 42 5e 73 04 33 62 93 8b 98 24");
        assertThat(hex(file, 0x30, 16)).isEqualTo("48 69 21 0a 65 82 e2 88 a7 22 08 2c 82 39 ae a7");
        assertThat(hex(file, 0x40, 16)).isEqualTo("41 f2 30 c2 13 a9 be 6d 7f 93 3d 27 2b a2 e4 1b");
        assertThat(hex(file, 0x50, 16)).isEqualTo("ef a8 68 d3");
        assertThat(cache.read(Namespace.UNIT, key)).hasValueSatisfying(body -> assertThat(body).asString(StandardCharsets.US_ASCII)
                .isEqualTo("Hi!\n"));
    }
}
