package dev.opcached.daemon;

import dev.opcached.daemon.config.Directives;
import dev.opcached.daemon.logging.LogConfiguration;
import dev.opcached.daemon.supervisor.Supervisor;
import dev.opcached.protocol.config.Defaults;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code opcached}: the supervisor of one pool (the default), or {@code opcached run FILE.java}.
 * Options name directives; {@code -d} sets any directive, as {@code php -d} does.
 */
@Command(name = "opcached", mixinStandardHelpOptions = true, versionProvider = Opcached.Version.class,
        subcommands = {RunCommand.class},
        description = {"Shared bytecode cache for Java scripts: runs a pool of worker JVMs that serve the",
                "docroot's .java scripts over HTTP, each compiled once for the whole pool.",
                "Runs in the foreground until SIGTERM or SIGINT."})
public final class Opcached implements Callable<Integer> {
    /** {@code --version}: the build's version, which an annotation cannot hold as a constant. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {Defaults.PRODUCT_NAME + " " + Defaults.VERSION};
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(Opcached.class);

    @Option(names = "--config", paramLabel = "FILE", description = "Configuration file (name = value lines, php.ini style).")
    Path configFile;

    @Option(names = "--docroot", paramLabel = "DIR", description = "Directory of the scripts (" + Directives.DOCROOT + ").")
    String docroot;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "HTTP address of the workers (" + Directives.LISTEN + ").")
    String listen;

    @Option(names = "--admin-listen", paramLabel = "HOST:PORT", description = "Admin endpoint address (" + Directives.ADMIN_LISTEN + ").")
    String adminListen;

    @Option(names = "--workers", paramLabel = "N", description = "Worker JVMs (" + Directives.MAX_CHILDREN + ").")
    String workers;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Directory of the admin token (" + Directives.STATE_DIR + ").")
    String stateDir;

    @Option(names = "--token-file", paramLabel = "FILE", description = "Admin token file (" + Directives.TOKEN_FILE + ").")
    String tokenFile;

    @Option(names = "--pool", paramLabel = "NAME", description = "Pool name, part of the segment file name (" + Directives.POOL + ").")
    String pool;

    @Option(names = "--segment-dir", paramLabel = "DIR", description = "Directory of segment files (" + Directives.SEGMENT_DIR + ").")
    String segmentDir;

    @Option(names = "-d", paramLabel = "NAME=VALUE", description = "Sets a directive: -d opcache.revalidate_freq=0")
    Map<String, String> directives = new LinkedHashMap<>();

    /** The directives: defaults, then the file, then -d, then the named options. */
    Directives resolve() throws Exception {
        Map<String, String> overrides = new LinkedHashMap<>(directives);
        putIfSet(overrides, Directives.DOCROOT, docroot);
        putIfSet(overrides, Directives.LISTEN, listen);
        putIfSet(overrides, Directives.ADMIN_LISTEN, adminListen);
        putIfSet(overrides, Directives.MAX_CHILDREN, workers);
        putIfSet(overrides, Directives.STATE_DIR, stateDir);
        putIfSet(overrides, Directives.TOKEN_FILE, tokenFile);
        putIfSet(overrides, Directives.POOL, pool);
        putIfSet(overrides, Directives.SEGMENT_DIR, segmentDir);
        return Directives.resolve(configFile, overrides);
    }

    private static void putIfSet(Map<String, String> map, String name, String value) {
        if (value != null) {
            map.put(name, value);
        }
    }

    @Override
    public Integer call() throws Exception {
        Directives config = resolve();
        LogConfiguration.apply(config.string(Directives.LOG_CONFIG));
        return new Supervisor(config).run();
    }

    /** Runs opcached with these arguments and returns the exit code; usage errors are 2. */
    static int execute(String[] args) {
        return new CommandLine(new Opcached()).setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof IllegalArgumentException) {
                commandLine.getErr().println("opcached: " + e.getMessage());
                return 2;
            }
            LOG.error("opcached failed", e);
            return 1;
        }).execute(args);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }
}
