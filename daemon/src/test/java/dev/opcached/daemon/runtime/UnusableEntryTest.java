package dev.opcached.daemon.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opcached.daemon.compile.CompilerUnavailableException;
import dev.opcached.daemon.compile.FileOutcome;
import dev.opcached.daemon.compile.LocalPoolCompiler;
import dev.opcached.daemon.compile.PoolCompiler;
import dev.opcached.daemon.testing.Scripts;
import dev.opcached.protocol.segment.EpochClock;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker maps the segment read-only, so the entries it finds unusable are taken out by the
 * pool's compiler; while the compiler cannot be reached, the worker still never runs them again.
 */
class UnusableEntryTest {
    private static final long COMPILE_TIMEOUT_MILLIS = 60_000;

    @TempDir
    Path dir;
    private Path docroot;
    private Segment segment;
    private final AtomicInteger discards = new AtomicInteger();

    @BeforeEach
    void start() throws IOException {
        docroot = Files.createDirectories(dir.resolve("www")).toRealPath();
        segment = Segment.create(dir.resolve("test.seg"), new SegmentConfig(8 << 20, 64, 5));
    }

    @AfterEach
    void close() throws IOException {
        segment.close();
    }

    /** The pool's compiler, gone: every call fails as a dead one's would. */
    private final PoolCompiler unreachable = new PoolCompiler() {
        @Override
        public List<FileOutcome> compile(List<Path> realPaths, long deadlineMillis, Progress progress)
                throws CompilerUnavailableException {
            throw new CompilerUnavailableException("no compiler answered (test)");
        }

        @Override
        public boolean discard(Path realPath, long ref, long deadlineMillis) throws CompilerUnavailableException {
            discards.incrementAndGet();
            throw new CompilerUnavailableException("no compiler answered (test)");
        }
    };

    @Test
    void aFileThatIsNoLongerRegularIsNotFoundEveryTimeWhileTheCompilerIsUnreachable() throws Exception {
        CachePolicy policy = new CachePolicy(true, 0, 0, 0, Blacklist.EMPTY, COMPILE_TIMEOUT_MILLIS, 2);
        Path page = Scripts.text(docroot, "page", "v1");
        ScriptRuntime compiling = new ScriptRuntime(segment, docroot, policy,
                LocalPoolCompiler.forDocroot(segment, docroot, policy, EpochClock.SYSTEM));
        compiling.loadMain(page);
        assertThat(segment.statistics().numCachedScripts()).isEqualTo(1);

        ScriptRuntime worker = new ScriptRuntime(segment, docroot, policy, unreachable);
        assertThat(worker.loadMain(page).cached()).as("served from the segment").isTrue();
        Files.delete(page);
        Files.createDirectory(page);

        for (int request = 0; request < 4; request++) {
            assertThatThrownBy(() -> worker.loadMain(page)).as("request %d", request)
                    .isInstanceOfSatisfying(ScriptException.class, e -> assertThat(e.isNotFound()).isTrue());
        }
        assertThat(discards.get()).as("asked once; never run again meanwhile").isEqualTo(1);
        assertThat(segment.statistics().numCachedScripts()).as("the entry stays until the compiler is back").isEqualTo(1);
    }
}
