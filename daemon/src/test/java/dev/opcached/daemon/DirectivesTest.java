package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DirectivesTest {
    @Test
    void defaultsAreOpcachesOwn() {
        Directives directives = Directives.resolve(Map.of());
        assertThat(directives.get(Directives.MEMORY_CONSUMPTION)).isEqualTo(128);
        assertThat(directives.get(Directives.MAX_ACCELERATED_FILES)).isEqualTo(10_000);
        assertThat(directives.get(Directives.MAX_WASTED_PERCENTAGE)).isEqualTo(5);
        assertThat(directives.segmentConfig().memoryConsumption()).isEqualTo(128L << 20);
    }

    @Test
    void unknownNameAndOutOfRangeValueAreRefusedWithTheirNames() {
        assertThatThrownBy(() -> Directives.resolve(Map.of("opcache.memory", "64")))
                .hasMessageContaining("unknown directive opcache.memory");
        assertThatThrownBy(() -> Directives.resolve(Map.of(Directives.MAX_WASTED_PERCENTAGE, "80")))
                .hasMessageContaining("opcache.max_wasted_percentage=80").hasMessageContaining("1..50");
        assertThatThrownBy(() -> Directives.resolve(Map.of(Directives.MEMORY_CONSUMPTION, "lots")))
                .hasMessageContaining("not a whole number");
    }
}
