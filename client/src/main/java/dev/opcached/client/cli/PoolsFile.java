package dev.opcached.client.cli;

import dev.opcached.protocol.config.IniFile;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * opcachectl's configuration of named pools, ini style (read by {@link IniFile}); a fleet's file
 * names the pools of other hosts by their HTTPS endpoints:
 * <pre>
 * [www]
 * url = http://127.0.0.1:9180
 * token_file = /var/lib/opcached/admin.token
 * [app2]
 * url = https://app2.example.com:9180
 * token_file = /etc/opcached/fleet/app2.token
 * </pre>
 */
final class PoolsFile {
    private PoolsFile() {
    }

    /** The pools of {@code file}, in file order. */
    static Map<String, Target> read(Path file) throws IOException {
        Map<String, Map<String, String>> sections = new LinkedHashMap<>();
        for (IniFile.Entry entry : IniFile.read(file)) {
            if (entry.section() == null) {
                throw new IllegalArgumentException(file + ":" + entry.line() + ": " + entry.name()
                        + " is outside any pool: put it under a [pool] header");
            }
            sections.computeIfAbsent(entry.section(), name -> new LinkedHashMap<>()).put(entry.name(), entry.value());
        }
        Map<String, Target> pools = new LinkedHashMap<>();
        sections.forEach((section, values) -> {
            String url = values.get("url");
            String tokenFile = values.get("token_file");
            if (url == null || tokenFile == null) {
                throw new IllegalArgumentException(file + ": pool [" + section + "] needs both url and token_file");
            }
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": pool [" + section + "]: url is not a URL: " + url);
            }
            // Caught here rather than at the call: a host name without its scheme parses as a URI.
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException(file + ": pool [" + section + "]: url must be http://HOST:PORT or"
                        + " https://HOST:PORT, got " + url);
            }
            pools.put(section, new Target(section, uri, Path.of(tokenFile)));
        });
        return pools;
    }
}
