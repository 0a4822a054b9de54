package dev.opcached.daemon.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.compile.FileOutcome;
import dev.opcached.daemon.compile.PoolCompiler;
import dev.opcached.daemon.testing.Scripts;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentConfig;
import dev.opcached.protocol.segment.SegmentKey;
import dev.opcached.protocol.segment.SegmentReader;
import dev.opcached.protocol.testing.ChildJvm;
import dev.opcached.protocol.unit.CompileUnit;
import dev.opcached.protocol.unit.CompileUnitCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real compiler process ({@link CompilerMain} in a child JVM) on a segment made by the test,
 * reached through its socket: what it stores is read back through the segment. One process for
 * the class: each test compiles files of its own.
 */
class CompilerProcessTest {
    private static final long DEADLINE_MILLIS = 120_000;

    @TempDir
    static Path dir;

    private static Path docroot;
    private static Path segmentPath;
    private static Path socket;
    private static Segment segment;
    private static ChildJvm compiler;

    @BeforeAll
    static void start() throws Exception {
        docroot = Files.createDirectories(dir.resolve("www")).toRealPath();
        segmentPath = dir.resolve("test.seg");
        segment = Segment.create(segmentPath, new SegmentConfig(16 << 20, 200, 5));
        Path run = Files.createDirectory(dir.resolve("run"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        socket = run.resolve("socket");
        // what a compiler killed by SIGKILL leaves in its place
        Files.writeString(socket, "stale");
        Path blacklist = Files.writeString(dir.resolve("blacklist.txt"), docroot + "/private/\n");
        compiler = ChildJvm.start(CompilerMain.class, "--segment", segmentPath.toString(), "--socket", socket.toString(),
                "-d", "opcached.docroot=" + docroot, "-d", "opcache.blacklist_filename=" + blacklist,
                "-d", "opcached.state_dir=" + dir.resolve("state"));
        compiler.awaitLine("^ready$", Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        if (compiler != null) {
            compiler.close();
        }
        if (segment != null) {
            segment.close();
        }
    }

    private static Path aged(Path file) throws Exception {
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
        return file;
    }

    private static List<FileOutcome> compile(Path... files) throws Exception {
        return new CompilerClient(socket).compile(List.of(files), DEADLINE_MILLIS, PoolCompiler.Progress.NONE);
    }

    @Test
    void aCompileThroughTheSocketStoresTheEntryInTheSegment() throws Exception {
        Path hello = aged(Scripts.text(docroot, "Hello", "hello"));
        assertThat(compile(hello)).singleElement().extracting(FileOutcome::status).isEqualTo(FileOutcome.Status.COMPILED);
        try (SegmentReader reader = Segment.openReadOnly(segmentPath)) {
            assertThat(reader.peek(SegmentKey.of(hello.toString()))).isNotNull();
            assertThat(reader.verify().sound()).isTrue();
        }
        assertThat(compile(hello)).singleElement().extracting(FileOutcome::status).isEqualTo(FileOutcome.Status.CURRENT);
    }

    @Test
    void eachFileOfARequestGetsItsOwnOutcome() throws Exception {
        Path good = aged(Scripts.text(docroot, "Good", "good"));
        Path broken = aged(Scripts.write(docroot, "Broken", "int x = ;"));
        Path missing = docroot.resolve("Missing.java");
        List<FileOutcome> outcomes = compile(good, broken, missing);
        assertThat(outcomes).extracting(FileOutcome::status).containsExactly(FileOutcome.Status.COMPILED,
                FileOutcome.Status.FAILED, FileOutcome.Status.NOT_FOUND);
        assertThat(outcomes.get(1).diagnostics()).anySatisfy(line -> assertThat(line).contains("Broken.java:4: error:"));
        assertThat(segment.peek(SegmentKey.of(broken.toString()))).isNull();
    }

    @Test
    void aFileTheSegmentWillNotTakeComesBackWithItsUnitBytes() throws Exception {
        Files.createDirectories(docroot.resolve("private"));
        Path secret = aged(Scripts.text(docroot.resolve("private"), "Secret", "secret"));
        FileOutcome outcome = compile(secret).get(0);
        assertThat(outcome.status()).isEqualTo(FileOutcome.Status.NOT_CACHED);
        CompileUnit unit = CompileUnitCodec.decodeAll(outcome.unit()).get(0);
        assertThat(unit.classes()).extracting(c -> c.binaryName()).containsExactly("Secret");
        assertThat(segment.peek(SegmentKey.of(secret.toString()))).isNull();
    }

    @Test
    void aNewCompilerWarmsJavacUpAndNothingOfItReachesTheSegment() throws Exception {
        compiler.awaitLine("javac warmed up in \\d+ ms", Duration.ofSeconds(120));
        try (SegmentReader reader = Segment.openReadOnly(segmentPath)) {
            assertThat(reader.scripts()).extracting(script -> script.fullPath()).noneMatch(path -> path.contains("warm"));
        }
    }

    @Test
    void theSocketIsTheOwnersOnlyAndTheStaleFileDidNotStopTheStart() throws Exception {
        assertThat(compiler.output()).contains("removed the stale compiler socket " + socket);
        assertThat(Files.getAttribute(socket, "unix:mode")).isEqualTo(0140600);
        assertThat(new CompilerClient(socket).ping(DEADLINE_MILLIS).pid()).isEqualTo(compiler.pid());
    }
}
