package dev.opcached.daemon.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opcached.daemon.config.Directives;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The user and group directives, checked before any worker starts. */
class WorkerUserDirectivesTest {
    private static boolean root() throws Exception {
        return Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0);
    }

    @Test
    void emptyMeansTheSupervisorsUserAndNoPrefix() throws Exception {
        WorkerUser user = WorkerUser.of(Directives.defaults());
        assertThat(user.switches()).isFalse();
        assertThat(user.commandPrefix()).isEmpty();
    }

    @Test
    void groupWithoutUserIsRefused() {
        assertThatThrownBy(() -> WorkerUser.of(Directives.defaults().with(Map.of(Directives.GROUP, "nogroup"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("group=nogroup needs user: set the user workers run as too");
    }

    @Test
    void unknownUserIsRefusedByName() throws Exception {
        Directives config = Directives.defaults().with(Map.of(Directives.USER, "no-such-user-here"));
        assertThatThrownBy(() -> WorkerUser.of(config)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(root() ? "user=no-such-user-here is not a user of this system"
                        : "user=no-such-user-here needs the supervisor to run as root");
    }
}
