package dev.opcached.daemon.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A script may run on an event loop only after a streak of quick runs, and loses it with one slow run. */
class QuickScriptsTest {
    private final QuickScripts quick = new QuickScripts();
    private final Path script = Path.of("/www/page.java");

    @Test
    void aNewScriptIsNotQuickUntilItsStreak() {
        assertThat(quick.quick(script)).isFalse();
        for (int i = 1; i < QuickScripts.STREAK; i++) {
            quick.ran(script, 1_000);
            assertThat(quick.quick(script)).as("after %d quick runs", i).isFalse();
        }
        quick.ran(script, 1_000);
        assertThat(quick.quick(script)).isTrue();
        assertThat(quick.quick(Path.of("/www/other.java"))).isFalse();
    }

    @Test
    void oneSlowRunStartsTheStreakOver() {
        for (int i = 0; i < 3 * QuickScripts.STREAK; i++) {
            quick.ran(script, 1_000);
        }
        quick.ran(script, QuickScripts.QUICK_NANOS);
        assertThat(quick.quick(script)).isFalse();
        for (int i = 1; i < QuickScripts.STREAK; i++) {
            quick.ran(script, 1_000);
        }
        assertThat(quick.quick(script)).isFalse();
        quick.ran(script, 1_000);
        assertThat(quick.quick(script)).isTrue();
    }

    @Test
    void theMemoryIsBounded() {
        for (int i = 0; i < QuickScripts.STREAK; i++) {
            quick.ran(script, 1_000);
        }
        for (int i = 0; i < QuickScripts.MAX_SCRIPTS; i++) {
            quick.ran(Path.of("/www/s" + i + ".java"), 1_000);
        }
        // Full: it started over, and the first script must earn its streak again.
        assertThat(quick.quick(script)).isFalse();
    }
}
