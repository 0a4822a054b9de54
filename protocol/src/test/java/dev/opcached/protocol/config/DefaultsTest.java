package dev.opcached.protocol.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The defaults the daemon and opcachectl share. */
class DefaultsTest {
    @Test
    void theVersionIsTheProjectsAsTheBuildWroteIt() {
        assertThat(Defaults.VERSION).as("filtered from the pom, never the placeholder").matches("\\d+\\.\\d+\\.\\d+(-[A-Za-z0-9.]+)?");
    }
}
