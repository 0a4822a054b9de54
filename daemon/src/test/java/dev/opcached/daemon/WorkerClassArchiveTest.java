package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The workers' class archive with real pools on a class path of jars (as installed; the JVM
 * refuses to write an archive with a directory of classes on its class path): made by the first
 * worker when it exits, mapped by the workers started after (seen in their -Xlog:class+load
 * output), and a damaged archive is a slower start and a new archive, never a failed start.
 */
class WorkerClassArchiveTest {
    private static final String SHARED_WORKER_MAIN =
            "dev.opcached.daemon.worker.WorkerMain source: shared objects file (top)";

    @TempDir
    static Path jars;
    static String classPath;

    @TempDir
    Path dir;

    @BeforeAll
    static void classPathOfJars() throws IOException {
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(entry);
            if (Files.isDirectory(path)) {
                Path jar = jars.resolve(entries.size() + ".jar");
                jar(path, jar);
                entries.add(jar.toString());
            } else if (Files.isRegularFile(path)) {
                entries.add(entry);
            }
        }
        classPath = String.join(File.pathSeparator, entries);
    }

    @Test
    void aPoolWithoutAnArchiveServesMakesOneAndItsNextWorkerMapsIt() throws Exception {
        Path docroot = docroot();
        try (PoolProcess pool = PoolProcess.start(classPath, docroot, dir.resolve("shm"), "cds", 1,
                "pm.max_requests=2", "opcached.worker_java_options=" + classLoadLog())) {
            pool.supervisor().awaitLine("worker class archive: none yet; pid \\d+ writes", Duration.ofSeconds(30));
            // each recycle ends a worker in order: the first one's exit writes the archive
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            String mapping = null;
            while (mapping == null) {
                assertThat(System.nanoTime() - deadline).as("a worker maps the archive within 120 s").isNegative();
                HttpResponse<String> response = pool.awaitResponse("/hello.java", r -> r.statusCode() == 200,
                        Duration.ofSeconds(60));
                assertThat(response.body()).isEqualTo("hello");
                String pid = response.headers().firstValue("X-Opcached-Worker").orElseThrow();
                if (loaded(pid).contains(SHARED_WORKER_MAIN)) {
                    mapping = pid;
                }
            }
            assertThat(pool.supervisor().output()).contains("worker class archive: made ")
                    .contains("is sound; workers map it");
            assertThat(archive("cds")).exists();
        }
    }

    @Test
    void aTruncatedOrDamagedArchiveIsRemovedTheWorkerStillServesAndTheArchiveIsMadeAgain() throws Exception {
        Path docroot = docroot();
        try (PoolProcess pool = PoolProcess.start(classPath, docroot, dir.resolve("shm"), "bad", 1)) {
            assertThat(pool.get("/hello.java").body()).isEqualTo("hello");
        }
        Path archive = archive("bad");
        assertThat(archive).as("made when the pool's worker stopped").exists();
        byte[] whole = Files.readAllBytes(archive);

        archive.toFile().setWritable(true);
        try (RandomAccessFile file = new RandomAccessFile(archive.toFile(), "rw")) {
            file.setLength(whole.length / 2);
        }
        assertStartsServesAndRemakes(docroot, archive);

        archive.toFile().setWritable(true);
        try (RandomAccessFile file = new RandomAccessFile(archive.toFile(), "rw")) {
            for (long at = 4096; at < file.length(); at += 65_536) {
                file.seek(at);
                int b = file.read();
                file.seek(at);
                file.write(b ^ 0xff);
            }
        }
        assertStartsServesAndRemakes(docroot, archive);
    }

    @Test
    void aSigkilledWorkerThatWasMakingTheArchiveLeavesNoneAndItsReplacementMakesIt() throws Exception {
        Path docroot = docroot();
        try (PoolProcess pool = PoolProcess.start(classPath, docroot, dir.resolve("shm"), "kill", 1)) {
            String first = pool.supervisor().awaitLine("worker class archive: none yet; pid (\\d+) writes",
                    Duration.ofSeconds(30)).group(1);
            ProcessHandle.of(Long.parseLong(first)).orElseThrow().destroyForcibly();
            pool.supervisor().awaitLine("pid " + first + " ended without writing it", Duration.ofSeconds(30));
            HttpResponse<String> response = pool.awaitResponse("/hello.java", r -> r.statusCode() == 200,
                    Duration.ofSeconds(60));
            String replacement = response.headers().firstValue("X-Opcached-Worker").orElseThrow();
            assertThat(replacement).isNotEqualTo(first);
            pool.supervisor().awaitLine("worker class archive: none yet; pid " + replacement + " writes",
                    Duration.ofSeconds(30));
            assertThat(archive("kill")).doesNotExist();
            pool.supervisor().process().toHandle().destroy();
            pool.supervisor().awaitLine("worker class archive: made ", Duration.ofSeconds(60));
        }
        assertThat(archive("kill")).exists();
    }

    private void assertStartsServesAndRemakes(Path docroot, Path archive) throws Exception {
        try (PoolProcess pool = PoolProcess.start(classPath, docroot, dir.resolve("shm"), "bad", 1)) {
            assertThat(pool.get("/hello.java").body()).isEqualTo("hello");
            assertThat(pool.supervisor().output()).contains("does not match its digest (truncated or damaged); removed")
                    .contains("worker class archive: none yet");
            pool.supervisor().process().toHandle().destroy();
            pool.supervisor().awaitLine("worker class archive: made ", Duration.ofSeconds(60));
        }
        assertThat(archive).exists();
        Path digest = archive.resolveSibling(archive.getFileName() + ".sha256");
        assertThat(Files.readString(digest).strip())
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(archive))));
    }

    private Path docroot() throws IOException {
        Path docroot = Files.createDirectories(dir.resolve("www"));
        Scripts.text(docroot, "hello", "hello");
        return docroot;
    }

    private String classLoadLog() {
        return "-Xlog:class+load=info:file=" + dir.resolve("load-%p.log");
    }

    private String loaded(String pid) throws IOException {
        Path log = dir.resolve("load-" + pid + ".log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** The one archive in the pool's state directory. */
    private Path archive(String pool) throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("state-" + pool).resolve("worker-cds"))) {
            return files.filter(file -> file.toString().endsWith(".jsa")).findFirst().orElse(dir.resolve("none.jsa"));
        }
    }

    private static void jar(Path classes, Path jar) throws IOException {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace(File.separatorChar, '/')));
                out.write(Files.readAllBytes(file));
                out.closeEntry();
            }
        }
    }
}
