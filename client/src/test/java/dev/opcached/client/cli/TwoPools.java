package dev.opcached.client.cli;

import dev.opcached.daemon.testing.PoolProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Two real pools, {@code www} and {@code api}, serving one docroot with one worker each: what the
 * tests of opcachectl's commands over several pools start. Closed together.
 */
final class TwoPools implements AutoCloseable {
    final PoolProcess www;
    final PoolProcess api;

    private TwoPools(PoolProcess www, PoolProcess api) {
        this.www = www;
        this.api = api;
    }

    /** Starts both on {@code docroot}, their segments under {@code dir}. */
    static TwoPools start(Path dir, Path docroot) throws Exception {
        PoolProcess www = PoolProcess.start(docroot, dir.resolve("shm"), "www", 1, "opcache.file_update_protection=0");
        try {
            return new TwoPools(www,
                    PoolProcess.start(docroot, dir.resolve("shm"), "api", 1, "opcache.file_update_protection=0"));
        } catch (Exception | Error e) {
            www.close();
            throw e;
        }
    }

    /** A pools file at {@code file} naming both, then the sections of {@code more} (lines). */
    Path poolsFile(Path file, String... more) throws Exception {
        List<String> lines = new ArrayList<>(List.of(
                "[www]", "url = " + www.adminUrl(), "token_file = " + www.tokenFile(),
                "[api]", "url = " + api.adminUrl(), "token_file = " + api.tokenFile()));
        lines.addAll(List.of(more));
        lines.add("");
        return Files.writeString(file, String.join("\n", lines));
    }

    @Override
    public void close() throws Exception {
        try {
            www.close();
        } finally {
            api.close();
        }
    }
}
