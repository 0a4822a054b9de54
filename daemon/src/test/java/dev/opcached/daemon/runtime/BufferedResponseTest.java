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
}
