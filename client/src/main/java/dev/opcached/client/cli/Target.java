package dev.opcached.client.cli;

import java.net.URI;
import java.nio.file.Path;

/**
 * One pool opcachectl talks to: a name (for output), its admin URL and its token file.
 *
 * @param name      the pool's name in the configuration file, or "default"
 * @param url       the admin endpoint
 * @param tokenFile the file holding its bearer token
 */
record Target(String name, URI url, Path tokenFile) {
}
