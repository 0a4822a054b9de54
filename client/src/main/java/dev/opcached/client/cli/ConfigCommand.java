package dev.opcached.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.opcached.client.OpcachedClient;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code opcachectl config}: opcache_get_configuration(). */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Shows the pool's directives, version and blacklist.")
final class ConfigCommand implements Callable<Integer> {
    @ParentCommand
    Opcachectl parent;

    @Option(names = "--json", description = "Print the server's JSON unchanged.")
    boolean json;

    @Override
    public Integer call() {
        return parent.execute(json, client -> {
            OpcachedClient.Reply<JsonNode> reply = client.configuration();
            StringBuilder out = new StringBuilder();
            JsonNode version = reply.value().get("version");
            out.append(version.get("opcache_product_name").asText()).append(' ').append(version.get("version").asText())
                    .append(System.lineSeparator());
            for (Iterator<Map.Entry<String, JsonNode>> it = reply.value().get("directives").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> directive = it.next();
                out.append(String.format(Locale.ROOT, "%-34s %s%n", directive.getKey(), directive.getValue().asText()));
            }
            for (JsonNode entry : reply.value().get("blacklist")) {
                out.append("blacklist: ").append(entry.asText()).append(System.lineSeparator());
            }
            return Opcachectl.Outcome.ok(out.toString(), reply.json());
        });
    }
}
