package dev.opcached.daemon.filecache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opcached.daemon.config.Directives;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** opcache.file_cache is on by default under the state directory, and off with an empty value. */
class FileCacheDirectivesTest {
    private static FileCacheConfig resolve(Map<String, String> values) {
        return FileCacheConfig.from(Directives.defaults().with(values)).orElseThrow();
    }

    @Test
    void onByDefaultInTheStateDirectoryWithTheKeyBesideIt() {
        FileCacheConfig config = resolve(Map.of(Directives.STATE_DIR, "/var/lib/opcached"));
        assertThat(config).isEqualTo(new FileCacheConfig(Path.of("/var/lib/opcached/file_cache"),
                Path.of("/var/lib/opcached/file_cache.key"), false, 256L << 20));
        FileCacheConfig home = FileCacheConfig.from(Directives.defaults()).orElseThrow();
        assertThat(home.directory()).isEqualTo(Path.of(System.getProperty("user.home"), ".opcached", "file_cache"));
    }

    @Test
    void aRelativeDirectoryIsInTheStateDirectoryAnAbsoluteOneIsItself() {
        assertThat(resolve(Map.of(Directives.STATE_DIR, "/srv/state", Directives.FILE_CACHE, "cache/l2")).directory())
                .isEqualTo(Path.of("/srv/state/cache/l2"));
        FileCacheConfig image = resolve(Map.of(Directives.FILE_CACHE, "/opt/app/file_cache", Directives.FILE_CACHE_READ_ONLY, "on",
                Directives.FILE_CACHE_KEY, "/etc/opcached/file_cache.key", Directives.FILE_CACHE_SIZE, "1G"));
        assertThat(image).isEqualTo(new FileCacheConfig(Path.of("/opt/app/file_cache"), Path.of("/etc/opcached/file_cache.key"),
                true, 1L << 30));
    }

    @Test
    void anEmptyDirectoryTurnsItOff() {
        assertThat(FileCacheConfig.from(Directives.defaults().with(Map.of(Directives.FILE_CACHE, "")))).isEmpty();
    }

    @Test
    void aKeyInsideTheCacheIsRefusedAtConfiguration() {
        assertThatThrownBy(() -> resolve(Map.of(Directives.FILE_CACHE, "/srv/cache", Directives.FILE_CACHE_KEY, "/srv/cache/k")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/srv/cache/k");
        assertThatThrownBy(() -> Directives.defaults().with(Map.of(Directives.FILE_CACHE_SIZE, "1K")))
                .hasMessageContaining("opcached.file_cache_size=1K is out of range");
    }
}
