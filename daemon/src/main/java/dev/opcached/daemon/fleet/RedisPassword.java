package dev.opcached.daemon.fleet;

import dev.opcached.daemon.config.Directives;
import dev.opcached.daemon.config.OwnerOnlyFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The Redis password from {@code opcached.redis_password_file}: read once, never logged, refused when others may read it. */
final class RedisPassword {
    private RedisPassword() {
    }

    /**
     * The password, without a final line break, or null when no file is configured.
     *
     * @throws IllegalArgumentException naming the file and the fix when it is missing, empty, or
     *     readable or writable by group or others
     */
    static char[] read(RedisConfig config) throws IOException {
        Path file = config.passwordFile();
        if (file == null) {
            return null;
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(Directives.REDIS_PASSWORD_FILE + "=" + file
                    + " is not a regular file; write the password there (mode 0600), or empty the directive for no AUTH");
        }
        OwnerOnlyFile.require(Directives.REDIS_PASSWORD_FILE, file, "the Redis password", "change the password");
        String password = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (password.isEmpty()) {
            throw new IllegalArgumentException(Directives.REDIS_PASSWORD_FILE + "=" + file
                    + " is empty; write the password there, or empty the directive for no AUTH");
        }
        return password.toCharArray();
    }
}
