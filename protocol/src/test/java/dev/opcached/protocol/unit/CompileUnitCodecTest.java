package dev.opcached.protocol.unit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opcached.protocol.segment.ClassFile;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompileUnitCodecTest {
    private static final Sha256 SOURCE = Sha256.of("class Hello {}".getBytes(StandardCharsets.UTF_8));

    private static CompileUnit example() {
        Dependency page = new Dependency(Dependency.Kind.SOURCE, "/b.java", 1_699_999_000_000L, 9,
                Sha256.of("b".getBytes(StandardCharsets.UTF_8)), Sha256.of("unit b".getBytes(StandardCharsets.UTF_8)));
        return new CompileUnit(SOURCE, Sha256.of("unit a".getBytes(StandardCharsets.UTF_8)), List.of(page),
                List.of(new ClassFile("Hello", new byte[] {(byte) 0xCA, (byte) 0xFE, (byte) 0xBA, (byte) 0xBE})));
    }

    @Test
    void roundTrip() {
        CompileUnit unit = example();
        CompileUnit decoded = CompileUnitCodec.decode(CompileUnitCodec.encode(unit));
        assertThat(decoded.sourceHash()).isEqualTo(unit.sourceHash());
        assertThat(decoded.unitKey()).isEqualTo(unit.unitKey());
        assertThat(decoded.dependencies()).isEqualTo(unit.dependencies());
        assertThat(decoded.classes()).hasSize(1);
        assertThat(decoded.classes().get(0).binaryName()).isEqualTo("Hello");
        assertThat(decoded.classes().get(0).bytes()).containsExactly(0xCA, 0xFE, 0xBA, 0xBE);
    }

    /** The worked example of docs/segment-format.md §8, byte for byte. */
    @Test
    void workedExampleOfTheSpec() {
        assertThat(HexFormat.of().formatHex(CompileUnitCodec.encode(example()))).isEqualTo(
                "4f504355010000007791c855cb313e5170334f8c3a42fd44bbd3dfb1435a391f"
                + "5630ea7db780b685aa0fdc229ba4078dc477370cc3cdc704fe6bb15e6732f4c3"
                + "4137030aba7de1bb0100000001000000c025d6cf8b0100000900000000000000"
                + "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d"
                + "092ec4bc10360768b2d8d8b3fe593df921f25c8974b02bb3befe941886fd033a"
                + "070000002f622e6a617661010000000500000048656c6c6f04000000cafebabe");
    }

    @Test
    void everyTruncationIsMalformedAndNothingElse() {
        byte[] bytes = CompileUnitCodec.encode(example());
        for (int length = 0; length < bytes.length; length++) {
            byte[] cut = Arrays.copyOf(bytes, length);
            assertThatThrownBy(() -> CompileUnitCodec.decode(cut)).as("length %d", length)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("malformed compile unit");
        }
    }

    @Test
    void hostileCountsAreRefusedBeforeAnythingIsAllocated() {
        byte[] bytes = CompileUnitCodec.encode(example());
        bytes[72] = (byte) 0xFF;
        bytes[73] = (byte) 0xFF;
        bytes[74] = (byte) 0xFF;
        bytes[75] = (byte) 0x7F;
        assertThatThrownBy(() -> CompileUnitCodec.decode(bytes)).hasMessageContaining("dependency count 2147483647");
    }

    @Test
    void anotherFormatOrMagicIsRefused() {
        byte[] bytes = CompileUnitCodec.encode(example());
        bytes[4] = 2;
        assertThatThrownBy(() -> CompileUnitCodec.decode(bytes)).hasMessageContaining("format 2, this build reads 1");
        bytes[0] = 0;
        assertThatThrownBy(() -> CompileUnitCodec.decode(bytes)).hasMessageContaining("is not a compile unit's");
    }

    @Test
    void bundlesRoundTripAndRefuseTrailingBytes() {
        byte[] two = CompileUnitCodec.encodeAll(List.of(example(), example()));
        assertThat(CompileUnitCodec.decodeAll(two)).hasSize(2);
        byte[] longer = Arrays.copyOf(two, two.length + 1);
        assertThatThrownBy(() -> CompileUnitCodec.decodeAll(longer)).hasMessageContaining("trailing bytes");
    }

    @Test
    void unitKeysDependOnEveryInputAndNotOnTheirOrder() {
        UnitKey.Input b = new UnitKey.Input(Dependency.Kind.SOURCE, "lib/B.java", Sha256.of(new byte[] {1}));
        UnitKey.Input c = new UnitKey.Input(Dependency.Kind.JAR, "vendor/c.jar", Sha256.of(new byte[] {2}));
        Sha256 key = UnitKey.of("17.0.15", List.of("-g"), "A.java", SOURCE, List.of(b, c));
        assertThat(UnitKey.of("17.0.15", List.of("-g"), "A.java", SOURCE, List.of(c, b))).isEqualTo(key);
        assertThat(UnitKey.of("17.0.16", List.of("-g"), "A.java", SOURCE, List.of(b, c))).isNotEqualTo(key);
        assertThat(UnitKey.of("17.0.15", List.of(), "A.java", SOURCE, List.of(b, c))).isNotEqualTo(key);
        assertThat(UnitKey.of("17.0.15", List.of("-g"), "B.java", SOURCE, List.of(b, c))).isNotEqualTo(key);
        assertThat(UnitKey.of("17.0.15", List.of("-g"), "A.java", SOURCE, List.of(b))).isNotEqualTo(key);
        UnitKey.Input changed = new UnitKey.Input(Dependency.Kind.SOURCE, "lib/B.java", Sha256.of(new byte[] {3}));
        assertThat(UnitKey.of("17.0.15", List.of("-g"), "A.java", SOURCE, List.of(changed, c))).isNotEqualTo(key);
        // Length prefixes: moving a byte from one option to the next is another key.
        assertThat(UnitKey.of("17", List.of("ab", "c"), "A.java", SOURCE, List.of()))
                .isNotEqualTo(UnitKey.of("17", List.of("a", "bc"), "A.java", SOURCE, List.of()));
    }
}
