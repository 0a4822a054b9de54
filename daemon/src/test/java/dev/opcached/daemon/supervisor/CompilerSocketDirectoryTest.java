package dev.opcached.daemon.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.opcached.daemon.compile.FileOutcome;
import dev.opcached.daemon.compile.PoolCompiler;
import dev.opcached.daemon.compiler.CompilerServer;
import dev.opcached.daemon.config.Directives;
import dev.opcached.protocol.segment.ProcessTable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the compiler's socket lives, who may open it, and what is left of a pool that died. */
class CompilerSocketDirectoryTest {
    /** The socket's permissions are under test, not compiles. */
    private static final PoolCompiler NO_ENGINE = new PoolCompiler() {
        @Override
        public List<FileOutcome> compile(List<Path> paths, long deadline, Progress progress) {
            return List.of();
        }

        @Override
        public boolean discard(Path realPath, long ref, long deadline) {
            return false;
        }
    };

    @TempDir
    Path dir;

    private static WorkerUser sameUser() throws Exception {
        return WorkerUser.of(Directives.defaults());
    }

    @Test
    void theDirectoryIsNamedAfterThisSupervisorAndOnlyItsUserMayEnter() throws Exception {
        CompilerSocketDirectory directory = CompilerSocketDirectory.of(dir, sameUser(), ProcessTable.SYSTEM);
        long pid = ProcessHandle.current().pid();
        assertThat(directory.directory().getFileName().toString())
                .isEqualTo("compiler." + pid + "." + ProcessTable.SYSTEM.startTicks(pid));
        assertThat(directory.socket()).isEqualTo(directory.directory().resolve("socket"));
        directory.create();
        assertThat(Files.getAttribute(directory.directory(), "unix:mode")).isEqualTo(040700);
        directory.delete();
        assertThat(directory.directory()).doesNotExist();
    }

    @Test
    void aSegmentDirectoryTooLongForASocketPathIsRefusedByName() throws Exception {
        Path deep = dir.resolve("d".repeat(100));
        assertThatThrownBy(() -> CompilerSocketDirectory.of(deep, sameUser(), ProcessTable.SYSTEM))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("opcached.segment_dir=" + deep + " is too long for the compiler's socket: ")
                .hasMessageContaining("a Unix socket path at most 107");
    }

    @Test
    void theDirectoryOfASupervisorThatDiedIsRemovedAndALiveOnesIsKept() throws Exception {
        long pid = ProcessHandle.current().pid();
        Path live = Files.createDirectories(dir.resolve("compiler." + pid + "." + ProcessTable.SYSTEM.startTicks(pid)));
        // the same pid started at another time: another process, so its directory is abandoned
        Path recycled = Files.createDirectories(dir.resolve("compiler." + pid + ".1"));
        Files.writeString(recycled.resolve("socket"), "");
        Path other = Files.createDirectories(dir.resolve("compiler.notes"));
        assertThat(CompilerSocketDirectory.removeAbandoned(dir, ProcessTable.SYSTEM)).containsExactly(recycled);
        assertThat(live).exists();
        assertThat(other).exists();
        assertThat(recycled).doesNotExist();
    }

    /**
     * Workers as another user (root only: setpriv): a process of the workers' user and group can
     * open the compiler's socket; the same user in another group cannot.
     */
    @Test
    void workersOfAnotherUserReachTheSocketThroughTheirGroupAndNoOneElseDoes() throws Exception {
        assumeThat(Files.getAttribute(Path.of("/proc/self"), "unix:uid")).as("needs root").isEqualTo(0);
        WorkerUser nobody = WorkerUser.of(Directives.defaults().with(Map.of(Directives.USER, "nobody",
                Directives.GROUP, "nogroup")));
        // the segment directory while such a pool runs (SegmentDirectoryAccess): others may pass through
        Path segments = Files.createDirectory(dir.resolve("shm"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(segments, PosixFilePermissions.fromString("rwx--x--x"));
        CompilerSocketDirectory directory = CompilerSocketDirectory.of(segments, nobody, ProcessTable.SYSTEM);
        directory.create();
        assertThat(Files.getAttribute(directory.directory(), "unix:mode")).isEqualTo(040710);
        assertThat(Files.getAttribute(directory.directory(), "unix:gid")).isEqualTo(65534);
        Path docroot = Files.createDirectory(dir.resolve("www"));
        Path probe = Files.createDirectory(dir.resolve("probe"));
        Files.setPosixFilePermissions(probe, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path source = Files.writeString(probe.resolve("Probe.java"), PROBE);
        Files.setPosixFilePermissions(source, PosixFilePermissions.fromString("rw-r--r--"));
        try (CompilerServer server = CompilerServer.start(directory.socket(), docroot, NO_ENGINE)) {
            assertThat(Files.getAttribute(directory.socket(), "unix:mode")).isEqualTo(0140660);
            assertThat(probeAs("nogroup", source, directory.socket())).startsWith("{\"pong\":");
            assertThat(probeAs("daemon", source, directory.socket())).startsWith("refused:");
        }
    }

    private static final String PROBE = """
            import java.net.StandardProtocolFamily;
            import java.net.UnixDomainSocketAddress;
            import java.nio.ByteBuffer;
            import java.nio.channels.SocketChannel;
            public class Probe {
                public static void main(String[] args) throws Exception {
                    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                        channel.connect(UnixDomainSocketAddress.of(args[0]));
                        channel.write(ByteBuffer.wrap("{\\"op\\":\\"ping\\"}\\n".getBytes()));
                        ByteBuffer answer = ByteBuffer.allocate(4096);
                        channel.read(answer);
                        System.out.print(new String(answer.array(), 0, answer.position()));
                    } catch (java.io.IOException e) {
                        System.out.print("refused: " + e.getMessage());
                    }
                }
            }
            """;

    /** Runs the probe as user nobody with {@code group} as its only group; what it printed. */
    private static String probeAs(String group, Path source, Path socket) throws Exception {
        Process process = new ProcessBuilder("setpriv", "--reuid=nobody", "--regid=" + group, "--clear-groups", "--",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:-UsePerfData",
                "-XX:TieredStopAtLevel=1", source.toString(), socket.toString())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("probe exits").isTrue();
        return output;
    }
}
