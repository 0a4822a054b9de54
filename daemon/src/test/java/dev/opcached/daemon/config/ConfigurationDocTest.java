package dev.opcached.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/configuration.md documents every directive with its default; this keeps it true. */
class ConfigurationDocTest {
    @Test
    void everyDirectiveIsDocumentedWithItsDefault() throws Exception {
        String doc = Files.readString(Path.of(System.getProperty("opcached.jvmOptions")).getParent().getParent()
                .resolve("docs/configuration.md"));
        for (Directive directive : Directives.ALL.values()) {
            String row = doc.lines().filter(line -> line.startsWith("| `" + directive.name() + "` |")).findFirst()
                    .orElse(null);
            assertThat(row).as("a table row for %s", directive.name()).isNotNull();
            String shown = directive.defaultValue().isEmpty() ? "(empty)" : directive.defaultValue();
            assertThat(row).as("default of %s", directive.name()).contains("| " + shown + " |");
        }
    }
}
