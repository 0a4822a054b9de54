package dev.opcached.protocol.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The defaults that the daemon and opcachectl must agree on, written once: the version, where the
 * admin endpoint listens, where the token file and the segments live.
 */
public final class Defaults {
    /**
     * opcached's version, reported by {@code --version}, {@code /configuration} and opcachectl: the
     * project's version, written into {@code version.properties} by the build.
     */
    public static final String VERSION = readVersion();
    /** The product name of {@code /configuration}'s version (OPcache's {@code opcache_product_name}). */
    public static final String PRODUCT_NAME = "opcached";
    /** {@code opcached.admin_listen}'s default. */
    public static final String ADMIN_LISTEN = "127.0.0.1:9180";
    /** The admin endpoint's URL when nothing else is said (opcachectl without --url). */
    public static final String ADMIN_URL = "http://" + ADMIN_LISTEN;
    /** The token file's name in the state directory. */
    public static final String TOKEN_FILE_NAME = "admin.token";
    /** The state directory's name in the home directory when {@code opcached.state_dir} is empty. */
    public static final String STATE_DIR_NAME = ".opcached";
    /** {@code opcached.segment_dir}'s default: tmpfs, so the cache never touches a disk. */
    public static final String SEGMENT_DIR = "/dev/shm/opcached";

    private Defaults() {
    }

    private static String readVersion() {
        try (InputStream in = Defaults.class.getResourceAsStream("version.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            String version = properties.getProperty("version", "");
            // Unfiltered (run from sources without the build): say so rather than invent a number.
            return version.isEmpty() || version.startsWith("${") ? "unknown" : version;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read opcached's version.properties", e);
        }
    }

    /** The state directory of a user without {@code opcached.state_dir}: {@code ~/.opcached}. */
    public static Path stateDirectory(String userHome) {
        return Path.of(userHome, STATE_DIR_NAME);
    }

    /** The token file of a user without {@code opcached.token_file} or {@code opcached.state_dir}. */
    public static Path tokenFile(String userHome) {
        return stateDirectory(userHome).resolve(TOKEN_FILE_NAME);
    }
}
