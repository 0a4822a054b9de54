package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.opcached.daemon.testing.Scripts;
import dev.opcached.protocol.segment.SegmentFiles;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PHP-FPM's {@code user}: a supervisor started as root runs its workers as that user, whose
 * scripts can read neither the admin token nor the key files the pool makes, nor write the
 * cache's entries. Needs root; the class path is copied where that user can read it (a build's
 * own is often under root's home).
 */
class WorkerUserTest {
    private static final String USER = "nobody";

    @TempDir
    Path dir;

    private String classPath;
    private Process supervisor;
    private Path output;

    @BeforeEach
    void needsRoot() throws Exception {
        assumeTrue(Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0),
                "skipped: starting workers as another user needs the test to run as root");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        classPath = readableClassPath();
    }

    /** This JVM's class path, copied where every user can read it. */
    private String readableClassPath() throws IOException {
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path source = Path.of(entry);
            if (!Files.exists(source)) {
                continue;
            }
            Path target = dir.resolve("cp").resolve(i++ + (Files.isDirectory(source) ? "" : ".jar"));
            try (Stream<Path> files = Files.walk(source)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Path copy = target.resolve(source.relativize(file).toString());
                    Files.createDirectories(copy.getParent());
                    Files.copy(file, copy);
                }
            }
            entries.add(target.toString());
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    /** A port nothing listens on now. */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private int start(List<String> directives, String... prefix) throws Exception {
        int port = freePort();
        Path docroot = Files.createDirectories(dir.resolve("www"));
        List<String> command = new ArrayList<>(List.of(prefix));
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("@" + System.getProperty("opcached.jvmOptions"));
        command.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classPath,
                Opcached.class.getName(), "--pool", "other", "--segment-dir", dir.resolve("shm").toString(),
                "--docroot", docroot.toString(), "--workers", "1", "--listen", "127.0.0.1:" + port,
                "--admin-listen", "127.0.0.1:0", "--state-dir", dir.resolve("state").toString(),
                "-d", "opcache.memory_consumption=8", "-d", "opcache.max_accelerated_files=200",
                "-d", "display_errors=1", "-d", "user=" + USER,
                "-d", "opcached.worker_java_options=-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"));
        directives.forEach(directive -> command.addAll(List.of("-d", directive)));
        output = dir.resolve("supervisor.log");
        supervisor = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        return port;
    }

    private Matcher awaitLine(String regex) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        Pattern pattern = Pattern.compile(regex, Pattern.MULTILINE);
        while (true) {
            String text = Files.readString(output, StandardCharsets.UTF_8);
            Matcher matcher = pattern.matcher(text);
            if (matcher.find()) {
                return matcher;
            }
            if (!supervisor.isAlive() || System.nanoTime() - deadline >= 0) {
                throw new TimeoutException("no /" + regex + "/ from the supervisor:\n" + text);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void workersRunAsTheUserAndTheirScriptsCannotReadTheTokenNorTheKeys() throws Exception {
        // A fleet whose Redis is down: the level starts down, but its key is made at the start.
        int port = start(List.of("opcached.redis_url=redis://127.0.0.1:" + freePort()));
        try {
            long worker = Long.parseLong(awaitLine("worker-1 started, pid (\\d+)").group(1));
            awaitLine("worker-1 \\(pid " + worker + "\\) ready");
            String uidLine = Files.readAllLines(Path.of("/proc", Long.toString(worker), "status")).stream()
                    .filter(line -> line.startsWith("Uid:")).findFirst().orElseThrow();
            String uid = new String(new ProcessBuilder("id", "-u", USER).start().getInputStream().readAllBytes()).strip();
            assertThat(uidLine.split("\\s+")).containsExactly("Uid:", uid, uid, uid, uid);

            Path token = dir.resolve("state").resolve("admin.token");
            Path docroot = dir.resolve("www");
            Scripts.text(docroot, "hello", "hello");
            Scripts.write(docroot, "steal",
                    "response.write(java.nio.file.Files.readString(java.nio.file.Path.of(\"" + token + "\")));");
            HttpClient client = HttpClient.newHttpClient();
            HttpResponse<String> hello = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/hello.java")).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(hello.body()).isEqualTo("hello");
            HttpResponse<String> steal = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/steal.java")).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(steal.statusCode()).isEqualTo(500);
            assertThat(steal.body()).contains("AccessDeniedException").doesNotContain(Files.readString(token).strip());

            // The key files the pool made (the file cache is on by default): root's, owner-only.
            List<Path> keys = List.of(dir.resolve("state").resolve("file_cache.key"), dir.resolve("state").resolve("fleet.key"));
            StringBuilder reads = new StringBuilder("String outcome = \"\";\n");
            for (Path key : keys) {
                assertThat(Files.getOwner(key).getName()).as(key.toString()).isEqualTo("root");
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).as(key.toString())
                        .isEqualTo("rw-------");
                reads.append("try { outcome += java.nio.file.Files.readAllBytes(java.nio.file.Path.of(\"").append(key)
                        .append("\")).length + \" bytes read \"; }\n")
                        .append("catch (Exception e) { outcome += e.getClass().getSimpleName() + \" \"; }\n");
            }
            Scripts.write(docroot, "keys", reads + "response.write(outcome.strip());");
            HttpResponse<String> stealKeys = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/keys.java")).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(stealKeys.body()).as("file_cache.key, then fleet.key").isEqualTo("AccessDeniedException AccessDeniedException");

            // The cache: both files stay root's; the segment file is readable by the workers' group
            // only, the activity file (counters, claims) readable and writable by it.
            Path segment;
            try (Stream<Path> files = Files.list(dir.resolve("shm"))) {
                segment = files.filter(file -> file.toString().endsWith(".seg")).findFirst().orElseThrow();
            }
            Path activity = SegmentFiles.activityPath(segment);
            assertThat(Files.getOwner(segment).getName()).isEqualTo("root");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(segment))).isEqualTo("rw-r-----");
            assertThat(Files.getOwner(activity).getName()).isEqualTo("root");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(activity))).isEqualTo("rw-rw----");
            Scripts.write(docroot, "poison", "String outcome;\n"
                    + "try (var channel = java.nio.channels.FileChannel.open(java.nio.file.Path.of(\"" + segment + "\"),"
                    + " java.nio.file.StandardOpenOption.WRITE)) { outcome = \"opened\"; }\n"
                    + "catch (Exception e) { outcome = e.getClass().getSimpleName(); }\n"
                    + "for (String file : new String[] {\"" + segment + "\", \"" + activity + "\"}) {\n"
                    + "try { java.nio.file.Files.setPosixFilePermissions(java.nio.file.Path.of(file),"
                    + " java.nio.file.attribute.PosixFilePermissions.fromString(\"rw-rw-rw-\")); outcome += \" chmod\"; }\n"
                    + "catch (Exception e) { outcome += \" \" + e.getClass().getSimpleName(); } }\n"
                    + "response.write(outcome);");
            HttpResponse<String> poison = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/poison.java")).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(poison.body()).isEqualTo("AccessDeniedException FileSystemException FileSystemException");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(segment))).isEqualTo("rw-r-----");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(activity))).isEqualTo("rw-rw----");
            HttpResponse<String> again = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/hello.java")).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(again.body()).as("served from the cache, as before").isEqualTo("hello");
        } finally {
            supervisor.destroy();
            assertThat(supervisor.waitFor(30, TimeUnit.SECONDS)).isTrue();
            supervisor.destroyForcibly();
        }
        assertThat(supervisor.exitValue()).as(Files.readString(output)).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("shm"))))
                .as("the segment directory is private again").isEqualTo("rwx------");
    }

    @Test
    void userIsRefusedWhenTheSupervisorIsNotRoot() throws Exception {
        start(List.of(), "setpriv", "--reuid=" + USER, "--regid=nogroup", "--clear-groups", "--");
        assertThat(supervisor.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(supervisor.exitValue()).as(Files.readString(output)).isEqualTo(2);
        assertThat(Files.readString(output)).contains("opcached: user=" + USER + " needs the supervisor to run as root"
                + " (it runs as uid ");
    }
}
