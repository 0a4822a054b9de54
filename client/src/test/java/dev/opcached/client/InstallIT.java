package dev.opcached.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.opcached.daemon.config.ConfigFile;
import dev.opcached.daemon.config.Directive;
import dev.opcached.daemon.config.Directives;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/install into a scratch root (--prefix), then what an operator would do with the result:
 * run it again, ask opcachectl, start the installed daemon, reset it the documented way, stop it as
 * systemd does, and check the unit with systemd-analyze.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InstallIT {
    private static final Duration INSTALL_TIMEOUT = Duration.ofSeconds(60);
    private static final Path SYSTEMD_ANALYZE = Path.of("/usr/bin/systemd-analyze");

    private final Path repo = Path.of(System.getProperty("opcached.jvmOptions")).toAbsolutePath().getParent().getParent();

    private Path temp;
    private Path prefix;
    private Path home;
    private Path config;
    private Path unit;
    private Ran firstInstall;

    @BeforeAll
    void installIntoScratchRoot(@TempDir Path temp) throws Exception {
        this.temp = temp;
        prefix = temp.resolve("root");
        home = prefix.resolve("opt/opcached");
        config = prefix.resolve("etc/opcached/opcached.conf");
        unit = prefix.resolve("etc/systemd/system/opcached.service");
        firstInstall = install(prefix);
    }

    private Ran install(Path root) throws Exception {
        return run(INSTALL_TIMEOUT, Map.of(), repo.resolve("scripts/install").toString(), "--prefix", root.toString(), "--no-build");
    }

    @Test
    void installsTheLayoutTheServiceExpects() throws Exception {
        assertThat(firstInstall.exitCode()).as(firstInstall.output()).isZero();

        for (String launcher : List.of("opcached", "opcachectl")) {
            Path file = home.resolve("bin").resolve(launcher);
            assertThat(file).isRegularFile().isExecutable();
            // An installed launcher must run what was installed, never a build in the checkout.
            assertThat(Files.readString(file)).doesNotContain("mvn").doesNotContain(repo.toString())
                    .contains("home='" + home + "'");
        }
        assertThat(home.resolve("lib/jvm.options")).hasSameTextualContentAs(repo.resolve("scripts/jvm.options"));
        assertThat(jarNames(home.resolve("lib/daemon")))
                .anyMatch(name -> name.matches("opcached-daemon-.*\\.jar"))
                .anyMatch(name -> name.matches("opcached-protocol-.*\\.jar"))
                .anyMatch(name -> name.startsWith("netty-codec-http-"))
                .noneMatch(name -> name.endsWith("-tests.jar"));
        assertThat(jarNames(home.resolve("lib/client")))
                .anyMatch(name -> name.matches("opcached-client-.*\\.jar"))
                .anyMatch(name -> name.matches("opcached-protocol-.*\\.jar"))
                .noneMatch(name -> name.endsWith("-tests.jar"));
        assertThat(home.resolve("docs/examples/www/hello.java"))
                .hasSameTextualContentAs(repo.resolve("docs/examples/www/hello.java"));
        assertThat(home.resolve("docs/examples/www/lib/Page.java")).isRegularFile();

        Path state = prefix.resolve("var/lib/opcached");
        assertThat(state).isDirectory();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state))).isEqualTo("rwx------");

        assertThat(Files.readString(prefix.resolve("etc/opcached/opcachectl.conf")))
                .contains("[www]").contains("url = http://127.0.0.1:9180")
                .contains("token_file = " + state.resolve("admin.token"));

        // The unit is the repository's, with the three installation paths moved under the prefix.
        String unitText = Files.readString(unit);
        assertThat(unitText)
                .contains("ExecStart=" + home.resolve("bin/opcached") + " --config " + config)
                .contains("ReadWritePaths=" + state + " -/dev/shm/opcached")
                .contains("User=opcached").contains("KillMode=mixed").contains("NoNewPrivileges=yes")
                .doesNotContainPattern("(?m)^MemoryDenyWriteExecute=");
        assertThat(unitText.replace(prefix.toString(), ""))
                .isEqualTo(Files.readString(repo.resolve("scripts/opcached.service")));
    }

    @Test
    void configurationListsEveryDirectiveWithItsDefault() throws Exception {
        String text = Files.readString(config);
        Map<String, String> commented = new LinkedHashMap<>();
        Matcher line = Pattern.compile("(?m)^;([A-Za-z0-9_.]+) =[ ]?(.*)$").matcher(text);
        while (line.find()) {
            commented.put(line.group(1), line.group(2));
        }
        Map<String, String> set = ConfigFile.read(config);
        assertThat(set).containsExactlyInAnyOrderEntriesOf(Map.of(
                Directives.DOCROOT, home.resolve("docs/examples/www").toString(),
                Directives.STATE_DIR, prefix.resolve("var/lib/opcached").toString()));

        for (Directive directive : Directives.ALL.values()) {
            assertThat(commented.containsKey(directive.name()) || set.containsKey(directive.name()))
                    .as("%s is listed in %s", directive.name(), config).isTrue();
            if (commented.containsKey(directive.name())) {
                assertThat(commented.get(directive.name())).as("default of %s", directive.name())
                        .isEqualTo(directive.defaultValue());
            }
        }
        assertThat(Directives.ALL.keySet()).containsAll(commented.keySet());
        // Uncommenting any line as it stands gives a configuration the daemon accepts.
        String uncommented = text.replaceAll("(?m)^;([A-Za-z0-9_.]+ =)", "$1");
        Path everything = temp.resolve("everything.conf");
        Files.writeString(everything, uncommented);
        assertThat(Directives.resolve(everything, Map.of()).string(Directives.STATE_DIR))
                .isEqualTo(prefix.resolve("var/lib/opcached").toString());
    }

    @Test
    void secondRunSucceedsAndChangesNothing() throws Exception {
        assertThat(firstInstall.exitCode()).as(firstInstall.output()).isZero();
        Map<String, String> before = snapshot(prefix);

        Ran again = install(prefix);

        assertThat(again.exitCode()).as(again.output()).isZero();
        assertThat(again.output()).contains("up to date");
        assertThat(snapshot(prefix)).isEqualTo(before);
    }

    @Test
    void anOperatorsConfigurationIsNeverOverwritten() throws Exception {
        Path root = temp.resolve("edited");
        assertThat(install(root).exitCode()).isZero();
        Path edited = root.resolve("etc/opcached/opcached.conf");
        Files.writeString(edited, "pm.max_children = 4\n");

        Ran again = install(root);

        assertThat(again.exitCode()).as(again.output()).isZero();
        assertThat(Files.readString(edited)).isEqualTo("pm.max_children = 4\n");
    }

    @Test
    void installedOpcachectlAnswersHelp() throws Exception {
        Ran help = run(Duration.ofSeconds(30), Map.of(), home.resolve("bin/opcachectl").toString(), "--help");

        assertThat(help.exitCode()).as(help.output()).isZero();
        assertThat(help.output()).contains("Usage: opcachectl").contains("status").contains("reset");
    }

    @Test
    void installedDaemonServesResetsAndStopsOnSigterm() throws Exception {
        int port = freePort();
        int adminPort = freePort();
        Path stateDir = temp.resolve("state");
        Path segmentDir = temp.resolve("shm");
        Path log = temp.resolve("opcached.log");
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/opcached").toString(),
                "--config", config.toString(),
                "--docroot", home.resolve("docs/examples/www").toString(),
                "--listen", "127.0.0.1:" + port, "--admin-listen", "127.0.0.1:" + adminPort,
                "--state-dir", stateDir.toString(), "--segment-dir", segmentDir.toString(), "--workers", "1",
                // a small segment: it is written out in full, and the scratch directory may be a disk
                "-d", "opcache.memory_consumption=16")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        // Cheaper JVMs for the test; the launcher passes these on, and the supervisor to its worker.
        builder.environment().put("OPCACHED_JAVA_OPTS", "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
        Process opcached = builder.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String url = "http://127.0.0.1:" + port + "/hello.java";
            while (true) {
                Ran hello = run(Duration.ofSeconds(15), Map.of(), "curl", "-fsS", "--max-time", "10", url);
                if (hello.exitCode() == 0) {
                    assertThat(hello.output()).isEqualTo("Hello, world!\n");
                    break;
                }
                if (!opcached.isAlive()) {
                    fail("opcached exited with " + opcached.exitValue() + " before serving:\n" + Files.readString(log));
                }
                if (System.nanoTime() - deadline >= 0) {
                    fail("no answer from " + url + " within 60 s; curl: " + hello.output() + "\nlog:\n" + Files.readString(log));
                }
                Thread.sleep(100);
            }

            // The deploy hook of docs/operations.md, word for word.
            Path tokenFile = stateDir.resolve("admin.token");
            Ran reset = run(Duration.ofSeconds(30), Map.of("TOKENFILE", tokenFile.toString(), "ADMINPORT", Integer.toString(adminPort)),
                    "bash", "-c", "curl -fsS -X POST -H \"Authorization: Bearer $(cat \"$TOKENFILE\")\" http://127.0.0.1:$ADMINPORT/reset");
            assertThat(reset.exitCode()).as(reset.output()).isZero();
            assertThat(reset.output()).contains("\"generation\"");

            Ran status = run(Duration.ofSeconds(30), Map.of(), home.resolve("bin/opcachectl").toString(),
                    "--url", "http://127.0.0.1:" + adminPort, "--token-file", tokenFile.toString(), "status");
            assertThat(status.exitCode()).as(status.output()).isZero();
            assertThat(status.output()).contains("Memory used");

            opcached.destroy(); // SIGTERM, as systemd stops the service
            assertThat(opcached.waitFor(30, TimeUnit.SECONDS)).as("stopped within 30 s after SIGTERM").isTrue();
            assertThat(opcached.exitValue()).as(Files.readString(log)).isZero();
            try (Stream<Path> segments = Files.list(segmentDir)) {
                assertThat(segments).as("the segment is deleted on SIGTERM").isEmpty();
            }
        } finally {
            kill(opcached);
        }
    }

    @Test
    void unitPassesSystemdAnalyzeVerify() throws Exception {
        assumeTrue(Files.isExecutable(SYSTEMD_ANALYZE), SYSTEMD_ANALYZE + " is not installed");

        Ran verify = run(Duration.ofSeconds(60), Map.of(), SYSTEMD_ANALYZE.toString(), "verify", unit.toString());

        assertThat(verify.exitCode()).as(verify.output()).isZero();
    }

    private record Ran(int exitCode, String output) {
    }

    /** Runs a command to completion within {@code timeout}, stdout and stderr together. */
    private Ran run(Duration timeout, Map<String, String> environment, String... command) throws Exception {
        Path output = Files.createTempFile(temp, "run-", ".out");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().putAll(environment);
        Process process = builder.start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                fail(String.join(" ", command) + " did not finish within " + timeout + ":\n" + Files.readString(output));
            }
            return new Ran(process.exitValue(), Files.readString(output));
        } finally {
            kill(process);
        }
    }

    /** Kills a process and everything it started (the supervisor's workers). */
    private static void kill(Process process) throws InterruptedException {
        List<ProcessHandle> all = new ArrayList<>();
        process.descendants().forEach(all::add);
        all.add(process.toHandle());
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle handle : all) {
            handle.onExit().completeOnTimeout(handle, 10, TimeUnit.SECONDS).join();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static List<String> jarNames(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(".jar")).sorted().toList();
        }
    }

    /** Every file and directory under {@code root}: kind, mode, mtime and, for files, a digest of the content. */
    private static Map<String, String> snapshot(Path root) throws Exception {
        Map<String, String> entries = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                PosixFileAttributes attributes = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String entry = (attributes.isDirectory() ? "d " : "f ") + PosixFilePermissions.toString(attributes.permissions())
                        + " " + attributes.lastModifiedTime().toMillis();
                if (attributes.isRegularFile()) {
                    entry += " " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(path)));
                }
                entries.put(root.relativize(path).toString(), entry);
            }
        }
        return entries;
    }
}
