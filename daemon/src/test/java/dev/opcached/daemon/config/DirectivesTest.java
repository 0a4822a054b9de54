package dev.opcached.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectivesTest {
    @TempDir
    Path dir;

    @Test
    void defaultsAreOpcachesAndFpmsOwn() {
        Directives directives = Directives.defaults();
        assertThat(directives.integer(Directives.MEMORY_CONSUMPTION)).isEqualTo(128);
        assertThat(directives.integer(Directives.MAX_ACCELERATED_FILES)).isEqualTo(10_000);
        assertThat(directives.integer(Directives.MAX_WASTED_PERCENTAGE)).isEqualTo(5);
        assertThat(directives.integer(Directives.REVALIDATE_FREQ)).isEqualTo(2);
        assertThat(directives.flag(Directives.VALIDATE_TIMESTAMPS)).isTrue();
        assertThat(directives.integer(Directives.MAX_CHILDREN)).isEqualTo(2);
        assertThat(directives.address(Directives.LISTEN)).isEqualTo(new HostPort("127.0.0.1", 8080));
        assertThat(directives.address(Directives.ADMIN_LISTEN)).isEqualTo(new HostPort("127.0.0.1", 9180));
        assertThat(directives.number(Directives.POST_MAX_SIZE)).isEqualTo(8L << 20);
    }

    @Test
    void accessLogIsAFileStderrOrOffAndItsOldBooleansStillStart() throws Exception {
        Directives defaults = Directives.defaults();
        assertThat(defaults.string(Directives.ACCESS_LOG)).as("off by default").isEmpty();
        assertThat(defaults.accessLogFile()).isEmpty();
        for (String stderr : new String[] {"stderr", "STDERR", "1", "on", "true", "yes"}) {
            Directives directives = defaults.with(Map.of(Directives.ACCESS_LOG, stderr));
            assertThat(directives.string(Directives.ACCESS_LOG)).as(stderr).isEqualTo("stderr");
            assertThat(directives.accessLogFile()).as(stderr).isEmpty();
        }
        for (String off : new String[] {"", "0", "off", "false", "no"}) {
            assertThat(defaults.with(Map.of(Directives.ACCESS_LOG, off)).string(Directives.ACCESS_LOG)).as(off).isEmpty();
        }
        // An old configuration file with the boolean still starts, with the same meaning.
        Path old = Files.writeString(dir.resolve("old.conf"), "access.log = 1\n");
        assertThat(Directives.resolve(old, Map.of()).string(Directives.ACCESS_LOG)).isEqualTo("stderr");

        Directives relative = defaults.with(Map.of(Directives.STATE_DIR, dir.toString(),
                Directives.ACCESS_LOG, "logs/access.log"));
        assertThat(relative.accessLogFile()).as("relative: in the state directory")
                .contains(dir.resolve("logs/access.log"));
        Directives absolute = relative.with(Map.of(Directives.ACCESS_LOG, "/var/log/opcached/www.log"));
        assertThat(absolute.accessLogFile()).contains(Path.of("/var/log/opcached/www.log"));
        assertThat(relative.with(Map.of(Directives.ACCESS_LOG, "./on")).accessLogFile()).contains(dir.resolve("on"));
    }

    @Test
    void fileThenOverridesWithPhpIniSyntax() throws Exception {
        Path file = Files.writeString(dir.resolve("opcached.conf"), String.join("\n",
                "; comment", "# comment", "[www]", "opcache.revalidate_freq = 10", "pm.max_children=4 ; four",
                "post_max_size = 2M", "opcache.validate_timestamps = off", "opcached.docroot = \"/srv/my app\"", ""));
        Directives directives = Directives.resolve(file, Map.of("pm.max_children", "6"));
        assertThat(directives.integer(Directives.REVALIDATE_FREQ)).isEqualTo(10);
        assertThat(directives.integer(Directives.MAX_CHILDREN)).isEqualTo(6);
        assertThat(directives.number(Directives.POST_MAX_SIZE)).isEqualTo(2L << 20);
        assertThat(directives.flag(Directives.VALIDATE_TIMESTAMPS)).isFalse();
        assertThat(directives.string(Directives.DOCROOT)).isEqualTo("/srv/my app");
    }

    @Test
    void badKeysAndValuesAreRefusedNamingKeyValueAndRange() throws Exception {
        assertThatThrownBy(() -> Directives.defaults().with(Map.of("opcache.memory", "64")))
                .hasMessageContaining("unknown directive opcache.memory");
        assertThatThrownBy(() -> Directives.defaults().with(Map.of(Directives.MAX_WASTED_PERCENTAGE, "80")))
                .hasMessage("opcache.max_wasted_percentage=80 is out of range; allowed 1..50");
        assertThatThrownBy(() -> Directives.defaults().with(Map.of(Directives.MEMORY_CONSUMPTION, "lots")))
                .hasMessageContaining("opcache.memory_consumption=lots is not valid; allowed: a whole number 8..2047");
        assertThatThrownBy(() -> Directives.defaults().with(Map.of(Directives.VALIDATE_TIMESTAMPS, "maybe")))
                .hasMessageContaining("0/1, on/off");
        assertThatThrownBy(() -> Directives.defaults().with(Map.of(Directives.LISTEN, "8080")))
                .hasMessageContaining("listen=8080 is not valid; allowed: host:port");
        Path bad = Files.writeString(dir.resolve("bad.conf"), "opcache.revalidate_freq 10\n");
        assertThatThrownBy(() -> Directives.resolve(bad, Map.of())).hasMessageContaining("bad.conf:1: expected name = value");
        assertThatThrownBy(() -> Directives.resolve(dir.resolve("none.conf"), Map.of())).hasMessageContaining("does not exist");
    }

    @Test
    void workerArgumentsReproduceTheValues() {
        Directives directives = Directives.defaults().with(Map.of(Directives.REVALIDATE_FREQ, "7"));
        java.util.List<String> args = directives.asArguments();
        java.util.Map<String, String> parsed = new java.util.LinkedHashMap<>();
        for (int i = 0; i < args.size(); i += 2) {
            String[] pair = args.get(i + 1).split("=", 2);
            parsed.put(pair[0], pair[1]);
        }
        assertThat(Directives.defaults().with(parsed).values()).isEqualTo(directives.values());
    }
}
