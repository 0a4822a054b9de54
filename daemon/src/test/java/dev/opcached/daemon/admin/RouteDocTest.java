package dev.opcached.daemon.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/admin-api.md documents every route of {@link Route#TABLE}, and only those. */
class RouteDocTest {
    @Test
    void everyRouteIsInTheAdminApiDocument() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "admin-api.md"));
        for (Route route : Route.TABLE) {
            assertThat(doc).as("%s %s", route.method(), route.path()).contains("`" + route.method() + " " + route.path());
        }
        assertThat(doc.lines().filter(line -> line.matches("\\| `(GET|POST) /[a-z/]+.*"))
                .map(line -> line.replaceAll("^\\| `(GET|POST) (/[a-z/]+).*", "$2")).distinct())
                .as("documented calls that are routed").allMatch(path -> Route.of(path) != null);
    }
}
