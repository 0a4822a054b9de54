package dev.opcached.daemon.config;

import static dev.opcached.daemon.config.Directive.Type.ADDRESS;
import static dev.opcached.daemon.config.Directive.Type.BOOLEAN;
import static dev.opcached.daemon.config.Directive.Type.INTEGER;
import static dev.opcached.daemon.config.Directive.Type.LOG_DESTINATION;
import static dev.opcached.daemon.config.Directive.Type.SIZE;
import static dev.opcached.daemon.config.Directive.Type.STRING;

import dev.opcached.protocol.config.Defaults;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every directive opcached understands, and a resolved set of values: defaults, then the
 * configuration file, then {@code -d} and the command-line options, later ones winning. Names are
 * OPcache's and PHP-FPM's where one fits; {@code opcached.*} where none does.
 */
public final class Directives {
    public static final String MEMORY_CONSUMPTION = "opcache.memory_consumption";
    public static final String MAX_ACCELERATED_FILES = "opcache.max_accelerated_files";
    public static final String MAX_WASTED_PERCENTAGE = "opcache.max_wasted_percentage";
    public static final String VALIDATE_TIMESTAMPS = "opcache.validate_timestamps";
    public static final String REVALIDATE_FREQ = "opcache.revalidate_freq";
    public static final String FILE_UPDATE_PROTECTION = "opcache.file_update_protection";
    public static final String MAX_FILE_SIZE = "opcache.max_file_size";
    public static final String BLACKLIST_FILENAME = "opcache.blacklist_filename";
    public static final String COMPILE_TIMEOUT = "opcached.compile_timeout";
    public static final String MAX_CONCURRENT_COMPILES = "opcached.max_concurrent_compiles";
    public static final String REALPATH_CACHE_TTL = "realpath_cache_ttl";
    public static final String REALPATH_CACHE_SIZE = "realpath_cache_size";
    public static final String DISPLAY_ERRORS = "display_errors";
    public static final String POST_MAX_SIZE = "post_max_size";
    public static final String MAX_RESPONSE_SIZE = "opcached.max_response_size";
    public static final String MAX_CHILDREN = "pm.max_children";
    public static final String MAX_REQUESTS = "pm.max_requests";
    public static final String REQUEST_TERMINATE_TIMEOUT = "request_terminate_timeout";
    public static final String PROCESS_CONTROL_TIMEOUT = "process_control_timeout";
    public static final String LISTEN = "listen";
    public static final String USER = "user";
    public static final String GROUP = "group";
    public static final String WORKER_HEARTBEAT_TIMEOUT = "opcached.worker_heartbeat_timeout";
    public static final String ACCESS_LOG = "access.log";
    public static final String ADMIN_LISTEN = "opcached.admin_listen";
    public static final String DOCROOT = "opcached.docroot";
    public static final String POOL = "opcached.pool";
    public static final String SEGMENT_DIR = "opcached.segment_dir";
    public static final String STATE_DIR = "opcached.state_dir";
    public static final String TOKEN_FILE = "opcached.token_file";
    public static final String METRICS_TOKEN_FILE = "opcached.metrics_token_file";
    public static final String WORKER_THREADS = "opcached.worker_threads";
    public static final String WORKER_EVENT_LOOPS = "opcached.worker_event_loops";
    public static final String LOG_CONFIG = "opcached.log_config";
    public static final String ADMIN_TLS_CERTIFICATE = "opcached.admin_tls_certificate";
    public static final String ADMIN_TLS_KEY = "opcached.admin_tls_key";
    public static final String ADMIN_ALLOW_INSECURE = "opcached.admin_allow_insecure";
    public static final String ADMIN_IDLE_TIMEOUT = "opcached.admin_idle_timeout";
    public static final String WORKER_JAVA_OPTIONS = "opcached.worker_java_options";
    public static final String WORKER_WARMUP_SCRIPTS = "opcached.worker_warmup_scripts";
    public static final String WORKER_WARMUP_TIMEOUT = "opcached.worker_warmup_timeout";
    public static final String FILE_CACHE = "opcache.file_cache";
    public static final String FILE_CACHE_READ_ONLY = "opcache.file_cache_read_only";
    public static final String FILE_CACHE_SIZE = "opcached.file_cache_size";
    public static final String FILE_CACHE_KEY = "opcached.file_cache_key";
    /** {@link #FILE_CACHE}'s default: a directory of that name in the state directory. */
    public static final String FILE_CACHE_DEFAULT = "file_cache";
    /** The file cache key's name in the state directory when {@link #FILE_CACHE_KEY} is empty. */
    public static final String FILE_CACHE_KEY_NAME = "file_cache.key";
    public static final String REDIS_URL = "opcached.redis_url";
    public static final String REDIS_PASSWORD_FILE = "opcached.redis_password_file";
    public static final String REDIS_KEY_FILE = "opcached.redis_key_file";
    public static final String REDIS_TTL = "opcached.redis_ttl";
    public static final String REDIS_TIMEOUT = "opcached.redis_timeout";
    public static final String REDIS_TLS_CA_FILE = "opcached.redis_tls_ca_file";
    public static final String REDIS_TLS_CERT_FILE = "opcached.redis_tls_cert_file";
    public static final String REDIS_TLS_KEY_FILE = "opcached.redis_tls_key_file";
    /** The fleet key's name in the state directory when {@link #REDIS_KEY_FILE} is empty. */
    public static final String REDIS_KEY_NAME = "fleet.key";
    public static final String COMPILER_JAVA_OPTIONS = "opcached.compiler_java_options";
    public static final String COMPILER_WARMUP = "opcached.compiler_warmup";

    /** All directives, in the order the documentation lists them. */
    public static final Map<String, Directive> ALL;

    static {
        Map<String, Directive> all = new LinkedHashMap<>();
        for (Directive directive : List.of(
                new Directive(MEMORY_CONSUMPTION, INTEGER, "128", 8, 2047,
                        "MiB of shared memory for the whole segment (header, index and arena)"),
                new Directive(MAX_ACCELERATED_FILES, INTEGER, "10000", 200, 1_000_000,
                        "most scripts (keys) the cache holds"),
                new Directive(MAX_WASTED_PERCENTAGE, INTEGER, "5", 1, 50,
                        "wasted share of memory at which a full cache restarts"),
                new Directive(VALIDATE_TIMESTAMPS, BOOLEAN, "1", 0, 1,
                        "check sources for changes every revalidate_freq seconds"),
                new Directive(REVALIDATE_FREQ, INTEGER, "2", 0, 86_400,
                        "seconds between two checks of one script, for the whole pool"),
                new Directive(FILE_UPDATE_PROTECTION, INTEGER, "2", 0, 86_400,
                        "sources modified less than this many seconds ago are compiled but not cached"),
                new Directive(MAX_FILE_SIZE, SIZE, "0", 0, Integer.MAX_VALUE,
                        "sources larger than this are compiled but not cached; 0 = no limit"),
                new Directive(BLACKLIST_FILENAME, STRING, "", 0, 0,
                        "file of path prefixes (one a line, * wildcards) never cached"),
                new Directive(COMPILE_TIMEOUT, INTEGER, "30", 1, 3_600,
                        "seconds a miss waits for the pool's compiler; a compile running past 4 times this restarts the compiler"),
                new Directive(MAX_CONCURRENT_COMPILES, INTEGER, "1", 1, 64,
                        "javac batches one compiling process runs at once"),
                new Directive(FILE_CACHE, STRING, FILE_CACHE_DEFAULT, 0, 0,
                        "directory of the sealed file cache; relative = in STATE_DIR; empty = no file cache"),
                new Directive(FILE_CACHE_READ_ONLY, BOOLEAN, "0", 0, 1,
                        "use the file cache without ever writing, touching or removing anything (immutable images)"),
                new Directive(REDIS_URL, STRING, "", 0, 0,
                        "the fleet's Redis, the level behind the file cache: redis://[user@]host[:port][/db] or rediss:// (TLS); empty = none"),
                new Directive(REDIS_PASSWORD_FILE, STRING, "", 0, 0,
                        "file of the Redis password (AUTH, or the ACL user's), owner-only; empty = no AUTH"),
                new Directive(REDIS_KEY_FILE, STRING, "", 0, 0,
                        "file of the fleet key that seals Redis entries (0600, the same on every host); empty = STATE_DIR/" + REDIS_KEY_NAME),
                new Directive(REDIS_TTL, INTEGER, "604800", 60, 31_536_000, "seconds a Redis entry lives after it was written"),
                new Directive(REDIS_TIMEOUT, INTEGER, "50", 1, 60_000,
                        "milliseconds a compile waits for one round trip to Redis before it counts a miss"),
                new Directive(REDIS_TLS_CA_FILE, STRING, "", 0, 0,
                        "PEM file of the CA certificates a rediss:// server's certificate must chain to; empty = the JVM's trust store"),
                new Directive(REDIS_TLS_CERT_FILE, STRING, "", 0, 0,
                        "PEM file of the client certificate (chain) for a Redis with tls-auth-clients; empty = none"),
                new Directive(REDIS_TLS_KEY_FILE, STRING, "", 0, 0,
                        "PEM file (PKCS#8, unencrypted, owner-only) of the client certificate's private key; empty = none"),
                new Directive(REALPATH_CACHE_TTL, INTEGER, "120", 0, 86_400,
                        "seconds a worker keeps the URL-to-file resolution"),
                new Directive(REALPATH_CACHE_SIZE, SIZE, "4M", 0, Integer.MAX_VALUE,
                        "bytes of URL-to-file resolutions a worker keeps (least recently used go first)"),
                new Directive(DISPLAY_ERRORS, BOOLEAN, "0", 0, 1,
                        "show compile diagnostics and exceptions in the 500 body (always logged)"),
                new Directive(POST_MAX_SIZE, SIZE, "8M", 0, Integer.MAX_VALUE,
                        "largest request body accepted; larger gets 413"),
                new Directive(MAX_RESPONSE_SIZE, SIZE, "32M", 1, Integer.MAX_VALUE,
                        "largest response body a script may write; larger gets 500 and a log line"),
                new Directive(MAX_CHILDREN, INTEGER, "2", 1, 256, "worker JVMs"),
                new Directive(MAX_REQUESTS, INTEGER, "0", 0, Integer.MAX_VALUE,
                        "requests a worker serves before it is recycled; 0 = never"),
                new Directive(REQUEST_TERMINATE_TIMEOUT, INTEGER, "0", 0, 86_400,
                        "seconds a request may run before it gets 504 and its worker is replaced; 0 = no limit"),
                new Directive(PROCESS_CONTROL_TIMEOUT, INTEGER, "10", 1, 3_600,
                        "seconds in-flight requests get to finish when the pool stops or a worker retires"),
                new Directive(LISTEN, ADDRESS, "127.0.0.1:8080", 0, 0, "address the workers serve HTTP on"),
                new Directive(USER, STRING, "", 0, 0,
                        "user the workers run as (the supervisor must be root); empty = the supervisor's"),
                new Directive(GROUP, STRING, "", 0, 0, "group the workers run as; empty = the user's primary group"),
                new Directive(ACCESS_LOG, LOG_DESTINATION, "", 0, 0,
                        "one combined-format line per request: a file (relative = in STATE_DIR), stderr, or empty = off"),
                new Directive(ADMIN_LISTEN, ADDRESS, Defaults.ADMIN_LISTEN, 0, 0, "address of the admin endpoint"),
                new Directive(DOCROOT, STRING, "", 0, 0,
                        "directory of the scripts; empty = the built-in example, docs/examples/www"),
                new Directive(POOL, STRING, "www", 0, 0, "pool name, part of the segment file name"),
                new Directive(SEGMENT_DIR, STRING, Defaults.SEGMENT_DIR, 0, 0, "directory of segment files (0700)"),
                new Directive(STATE_DIR, STRING, "", 0, 0,
                        "directory of the admin token and the file cache; empty = ~/.opcached"),
                new Directive(TOKEN_FILE, STRING, "", 0, 0, "admin token file; empty = STATE_DIR/admin.token"),
                new Directive(METRICS_TOKEN_FILE, STRING, "", 0, 0,
                        "file of a second, read-only token (metrics, status, configuration; never a change); empty = none"),
                new Directive(FILE_CACHE_SIZE, SIZE, "256M", 1L << 20, 1L << 40,
                        "most bytes of file cache entries; the least recently used are removed beyond it"),
                new Directive(FILE_CACHE_KEY, STRING, "", 0, 0,
                        "file of the key that seals the file cache (0600, outside it); empty = STATE_DIR/" + FILE_CACHE_KEY_NAME),
                new Directive(ADMIN_TLS_CERTIFICATE, STRING, "", 0, 0,
                        "PEM certificate chain: the admin endpoint speaks HTTPS"),
                new Directive(ADMIN_TLS_KEY, STRING, "", 0, 0, "PEM PKCS#8 private key of that certificate"),
                new Directive(ADMIN_IDLE_TIMEOUT, INTEGER, "30", 1, 3_600,
                        "seconds an admin connection may stay idle before it is closed"),
                new Directive(ADMIN_ALLOW_INSECURE, BOOLEAN, "0", 0, 1,
                        "allow plain HTTP on a non-loopback admin address (the token would cross the network in clear)"),
                new Directive(WORKER_HEARTBEAT_TIMEOUT, INTEGER, "3", 0, 3_600,
                        "seconds without a heartbeat after which a worker is killed and replaced; 0 = never"),
                new Directive(WORKER_THREADS, INTEGER, "16", 1, 1_024, "requests one worker runs at once"),
                new Directive(WORKER_EVENT_LOOPS, INTEGER, "0", 0, 256,
                        "connection event loops of one worker; 0 = one per core, at least 2"),
                new Directive(WORKER_JAVA_OPTIONS, STRING, "", 0, 0,
                        "JVM flags for the workers, after the supervisor's own (e.g. -Xmx256m)"),
                new Directive(WORKER_WARMUP_SCRIPTS, INTEGER, "256", 0, 1_000_000,
                        "most used scripts of the segment a new worker loads (never compiles, never runs) before it takes connections; 0 = none"),
                new Directive(WORKER_WARMUP_TIMEOUT, INTEGER, "2000", 0, 600_000,
                        "milliseconds each step of a new worker's warm-up (hot scripts, requests over loopback) may take; 0 = neither"),
                new Directive(COMPILER_WARMUP, BOOLEAN, "1", 0, 1,
                        "warm javac up in a new compiler process, beside its work, so that its first compile is not a cold one"),
                new Directive(COMPILER_JAVA_OPTIONS, STRING, "-Xmx384m -XX:+UseSerialGC", 0, 0,
                        "JVM flags for the pool's compiler process, after the supervisor's own: its heap cap"),
                new Directive(LOG_CONFIG, STRING, "", 0, 0,
                        "a logback.xml to use instead of the built-in one (supervisor and workers)"))) {
            all.put(directive.name(), directive);
        }
        ALL = Collections.unmodifiableMap(all);
    }

    private final Map<String, String> values;

    private Directives(Map<String, String> values) {
        this.values = values;
    }

    /** Defaults only. */
    public static Directives defaults() {
        Map<String, String> values = new LinkedHashMap<>();
        ALL.values().forEach(d -> values.put(d.name(), d.normalise(d.defaultValue())));
        return new Directives(values);
    }

    /**
     * Defaults, overridden by {@code file} (if not null), overridden by {@code overrides}.
     *
     * @throws IllegalArgumentException naming the key, the value and what is allowed
     */
    public static Directives resolve(Path file, Map<String, String> overrides) throws IOException {
        Directives directives = defaults();
        if (file != null) {
            directives = directives.with(ConfigFile.read(file));
        }
        return directives.with(overrides);
    }

    /** These values with {@code changes} applied, each checked. */
    public Directives with(Map<String, String> changes) {
        Map<String, String> values = new LinkedHashMap<>(this.values);
        changes.forEach((name, text) -> {
            Directive directive = ALL.get(name);
            if (directive == null) {
                throw new IllegalArgumentException("unknown directive " + name
                        + " (see docs/configuration.md for the list)");
            }
            values.put(name, directive.normalise(text));
        });
        return new Directives(values);
    }

    public String string(String name) {
        String value = values.get(name);
        if (value == null) {
            throw new IllegalArgumentException("unknown directive " + name);
        }
        return value;
    }

    public long number(String name) {
        return Long.parseLong(string(name));
    }

    public int integer(String name) {
        return Math.toIntExact(number(name));
    }

    public boolean flag(String name) {
        return "1".equals(string(name));
    }

    public HostPort address(String name) {
        return HostPort.parse(name, string(name));
    }

    /** Every value, canonical form, in documentation order. */
    public Map<String, String> values() {
        return Collections.unmodifiableMap(values);
    }

    /** The arguments that give a worker exactly these values. */
    public List<String> asArguments() {
        return values.entrySet().stream().flatMap(e -> List.of("-d", e.getKey() + "=" + e.getValue()).stream()).toList();
    }

    /** System property the launcher sets to the installation's root, where the built-in example lives. */
    public static final String HOME_PROPERTY = "opcached.home";

    /** The docroot, absolute; the built-in example when none is set. */
    public Path docroot() {
        String docroot = string(DOCROOT);
        if (docroot.isEmpty()) {
            return Path.of(System.getProperty(HOME_PROPERTY, ".")).resolve("docs/examples/www").toAbsolutePath().normalize();
        }
        return path(DOCROOT);
    }

    /** The admin token file: opcached.token_file, else admin.token in the state directory (~/.opcached by default). */
    public Path tokenFile() {
        if (!string(TOKEN_FILE).isEmpty()) {
            return path(TOKEN_FILE);
        }
        return stateDirectory().resolve(Defaults.TOKEN_FILE_NAME);
    }

    /** The read-only token's file (opcached.metrics_token_file, relative to the state directory), or null for none. */
    public Path metricsTokenFile() {
        String file = string(METRICS_TOKEN_FILE);
        return file.isEmpty() ? null : stateDirectory().resolve(file).normalize();
    }

    /** The state directory, absolute: opcached.state_dir, else ~/.opcached. */
    public Path stateDirectory() {
        String stateDir = string(STATE_DIR);
        Path directory = stateDir.isEmpty() ? Defaults.stateDirectory(System.getProperty("user.home")) : path(STATE_DIR);
        return directory.toAbsolutePath().normalize();
    }

    /**
     * The file cache directory, absolute, or empty when opcache.file_cache is empty (no file
     * cache). A relative value is taken in the state directory, not the working directory, so that
     * the default ({@code file_cache}) follows opcached.state_dir and every process of a pool
     * resolves it alike.
     */
    public Optional<Path> fileCacheDirectory() {
        String value = string(FILE_CACHE);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(stateDirectory().resolve(value).toAbsolutePath().normalize());
    }

    /** The file cache key file: opcached.file_cache_key, else file_cache.key in the state directory. */
    public Path fileCacheKeyFile() {
        if (!string(FILE_CACHE_KEY).isEmpty()) {
            return path(FILE_CACHE_KEY);
        }
        return stateDirectory().resolve(FILE_CACHE_KEY_NAME);
    }

    /** The fleet key file: opcached.redis_key_file, else fleet.key in the state directory. */
    public Path redisKeyFile() {
        if (!string(REDIS_KEY_FILE).isEmpty()) {
            return path(REDIS_KEY_FILE);
        }
        return stateDirectory().resolve(REDIS_KEY_NAME);
    }

    /**
     * The access log's file, absolute, or empty when access.log is {@code stderr} or off. A
     * relative value is taken in the state directory, as {@link #fileCacheDirectory()}'s is.
     */
    public Optional<Path> accessLogFile() {
        String value = string(ACCESS_LOG);
        if (value.isEmpty() || value.equals(Directive.STDERR)) {
            return Optional.empty();
        }
        return Optional.of(stateDirectory().resolve(value).toAbsolutePath().normalize());
    }

    /** The file the directives name relative to the working directory, made absolute. */
    public Path path(String name) {
        return Path.of(string(name)).toAbsolutePath().normalize();
    }
}
