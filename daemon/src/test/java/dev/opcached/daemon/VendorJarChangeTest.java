package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.Jars;
import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A vendor jar replaced under a running pool: scripts compiled against it are compiled again
 * against the new one, and the worker, whose class loaders hold the old jar, is replaced by one
 * that reads the new jar; no answer ever mixes the two.
 */
class VendorJarChangeTest {
    @TempDir
    Path dir;

    private static void greeterJar(Path jar, String version, long mtime) throws Exception {
        Jars.write(jar, "acme.Greeter", "package acme; public final class Greeter { public static String greet() { return \""
                + version + "\"; } }");
        Files.setLastModifiedTime(jar, FileTime.fromMillis(mtime));
    }

    @Test
    void aChangedJarReachesItsScriptsThroughANewWorker() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Path jar = Files.createDirectories(docroot.resolve("vendor")).resolve("greeter.jar");
        long old = System.currentTimeMillis() - 3_600_000;
        greeterJar(jar, "jar v1", old);
        Files.setLastModifiedTime(Scripts.write(docroot, "greets", "response.write(acme.Greeter.greet());"),
                FileTime.fromMillis(old));
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm"), "jars", 1, "opcache.revalidate_freq=0")) {
            HttpResponse<String> first = pool.get("/greets.java");
            assertThat(first.body()).isEqualTo("jar v1");
            String firstWorker = first.headers().firstValue("X-Opcached-Worker").orElseThrow();

            greeterJar(jar, "jar v2", old + 60_000);
            HttpResponse<String> second = pool.awaitResponse("/greets.java",
                    r -> r.statusCode() == 200 && r.body().equals("jar v2"), Duration.ofSeconds(60));
            assertThat(second.headers().firstValue("X-Opcached-Worker").orElseThrow())
                    .as("served by a worker that read the new jar").isNotEqualTo(firstWorker);
            pool.supervisor().awaitLine("is retiring \\(vendor-jars-changed\\)", Duration.ofSeconds(30));
        }
    }

    @Test
    void aVendorJarThatIsALinkIsNotTakenForChangedOnEveryRequest() throws Exception {
        Path docroot = Files.createDirectories(dir.resolve("linked"));
        Path shared = Files.createDirectories(dir.resolve("shared")).resolve("greeter-1.jar");
        long old = System.currentTimeMillis() - 3_600_000;
        greeterJar(shared, "linked jar", old);
        Files.createSymbolicLink(Files.createDirectories(docroot.resolve("vendor")).resolve("greeter.jar"), shared);
        Files.setLastModifiedTime(Scripts.write(docroot, "greets", "response.write(acme.Greeter.greet());"),
                FileTime.fromMillis(old));
        try (PoolProcess pool = PoolProcess.start(docroot, dir.resolve("shm-linked"), "linkedjars", 1,
                "opcache.revalidate_freq=0")) {
            for (int i = 0; i < 6; i++) {
                assertThat(pool.get("/greets.java").body()).isEqualTo("linked jar");
            }
            assertThat(pool.count("which changed on disk")).as("recompiles of an unchanged script").isZero();
            assertThat(pool.statistics().compiles()).isEqualTo(1);
        }
    }
}
