package dev.opcached.protocol.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The one ini reader, for opcached.conf and opcachectl.conf. */
class IniFileTest {
    @Test
    void sectionsCommentsAndQuotes() {
        List<IniFile.Entry> entries = IniFile.parse("t.conf", String.join("\n",
                "; comment", "top = 1", "# another", "[www]", "url = http://127.0.0.1:9180 ; inline",
                "token_file = \"/a b/admin.token\"", "", "[ api ]", "x='y ; z'\r", "empty ="));
        assertThat(entries).containsExactly(
                new IniFile.Entry(null, "top", "1", 2),
                new IniFile.Entry("www", "url", "http://127.0.0.1:9180", 5),
                new IniFile.Entry("www", "token_file", "/a b/admin.token", 6),
                new IniFile.Entry("api", "x", "y ; z", 9),
                new IniFile.Entry("api", "empty", "", 10));
    }

    @Test
    void aLineThatIsNeitherNamesItsNumber() {
        assertThatThrownBy(() -> IniFile.parse("t.conf", "[www]\nurl http://x"))
                .hasMessage("t.conf:2: expected name = value (or a [section] header), got: url http://x");
        assertThatThrownBy(() -> IniFile.parse("t.conf", "= 3")).hasMessageContaining("t.conf:1: expected name = value");
    }
}
