package dev.opcached.daemon.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A script's response headers follow HTTP's rules, as the codec that sends them does. */
class BufferedResponseTest {
    @Test
    void headerNamesAreTokensAndValuesHaveNoControlCharacters() {
        BufferedResponse response = new BufferedResponse();
        for (String name : new String[] {"", "a(b", "a/b", "a b", "a:b", "é"}) {
            assertThatThrownBy(() -> response.header(name, "x")).as(name)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid header name");
        }
        for (String value : new String[] {"a\0b", "a\u000bb", "a\u007fb", "a\r\nb", " a"}) {
            assertThatThrownBy(() -> response.header("X-Test", value)).as(value)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("X-Test");
        }
        response.header("X-Test_1.a~!", "a\tb c");
        assertThat(response.headers()).containsEntry("X-Test_1.a~!", "a\tb c");
    }

    @Test
    void writesOfEverySizeComeOutWholeAndInOrder() {
        BufferedResponse small = new BufferedResponse();
        small.write("hello");
        assertThat(small.chunks()).singleElement().satisfies(chunk -> assertThat(chunk).hasSize(5));

        BufferedResponse response = new BufferedResponse();
        java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
        int next = 0;
        for (int length : new int[] {1, 255, 2, 300, 4000, 9000, 7, 8191, 8192, 3, 20000, 1}) {
            byte[] bytes = new byte[length];
            for (int i = 0; i < length; i++) {
                bytes[i] = (byte) next++;
            }
            response.write(bytes);
            expected.writeBytes(bytes);
        }
        assertThat(response.body()).isEqualTo(expected.toByteArray());
        assertThat(response.size()).isEqualTo(expected.size());
        assertThat(response.chunks()).allSatisfy(chunk -> assertThat(chunk.length).isPositive());
    }
}
