package dev.opcached.client.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * opcachectl's configuration of named pools, ini style:
 * <pre>
 * [www]
 * url = http://127.0.0.1:9180
 * token_file = /var/lib/opcached/admin.token
 * </pre>
 */
final class PoolsFile {
    private PoolsFile() {
    }

    /** The pools of {@code file}, in file order. */
    static Map<String, Target> read(Path file) throws IOException {
        Map<String, Target> pools = new LinkedHashMap<>();
        String section = null;
        Map<String, String> values = new LinkedHashMap<>();
        int number = 0;
        for (String raw : Files.readAllLines(file)) {
            number++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith(";") || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                add(pools, section, values, file);
                section = line.substring(1, line.length() - 1).strip();
                values = new LinkedHashMap<>();
                continue;
            }
            int equals = line.indexOf('=');
            if (equals <= 0 || section == null) {
                throw new IllegalArgumentException(file + ":" + number + ": expected [pool] or name = value, got: " + line);
            }
            values.put(line.substring(0, equals).strip(), line.substring(equals + 1).strip());
        }
        add(pools, section, values, file);
        return pools;
    }

    private static void add(Map<String, Target> pools, String section, Map<String, String> values, Path file) {
        if (section == null) {
            return;
        }
        String url = values.get("url");
        String tokenFile = values.get("token_file");
        if (url == null || tokenFile == null) {
            throw new IllegalArgumentException(file + ": pool [" + section + "] needs both url and token_file");
        }
        pools.put(section, new Target(section, URI.create(url), Path.of(tokenFile)));
    }
}
