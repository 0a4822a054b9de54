package dev.opcached.daemon.runtime;

import dev.opcached.daemon.testing.LocalRuntime;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opcached.daemon.testing.Scripts;
import dev.opcached.protocol.segment.CompileClaim;
import dev.opcached.protocol.segment.EpochClock;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentConfig;
import dev.opcached.protocol.segment.SegmentKey;
import dev.opcached.protocol.segment.SourceStamp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A load waits only for loads of its own path, and leaves no lock behind; a compile in flight is never forgotten. */
class ScriptLoadLockTest {
    private static final long COMPILE_TIMEOUT_MILLIS = 120_000;

    @TempDir
    Path dir;
    private Path docroot;
    private Segment segment;
    private ScriptRuntime runtime;

    @BeforeEach
    void start() throws IOException {
        docroot = Files.createDirectories(dir.resolve("www")).toRealPath();
        segment = Segment.create(dir.resolve("test.seg"), new SegmentConfig(8 << 20, 64, 5));
        runtime = LocalRuntime.of(segment, docroot, new CachePolicy(true, 0, 0, 0, Blacklist.EMPTY, COMPILE_TIMEOUT_MILLIS, 2));
    }

    @AfterEach
    void close() throws IOException {
        segment.close();
    }

    @Test
    void aLoadWaitingForAnotherCompileDelaysNoUnrelatedScript() throws Exception {
        // Two names whose paths shared one of the 64 lock stripes a load used to hold.
        String first = "waits0";
        String second = null;
        int stripe = stripe(docroot.resolve(first + ".java"));
        for (int i = 1; second == null; i++) {
            if (stripe(docroot.resolve("other" + i + ".java")) == stripe) {
                second = "other" + i;
            }
        }
        Path waits = Scripts.text(docroot, first, "first").toRealPath();
        Path other = Scripts.text(docroot, second, "second").toRealPath();
        // This test holds the first script's compile marker, as another worker compiling it would.
        SegmentKey key = SegmentKey.of(waits.toString());
        assertThat(segment.beginCompile(key, COMPILE_TIMEOUT_MILLIS).kind()).isEqualTo(CompileClaim.Kind.OWNER);
        CompletableFuture<ScriptRuntime.Loaded> waiting = new CompletableFuture<>();
        Thread loader = new Thread(() -> {
            try {
                waiting.complete(runtime.loadMain(waits));
            } catch (Throwable e) {
                waiting.completeExceptionally(e);
            }
        }, "waits-for-marker");
        loader.start();
        awaitWaitingForTheMarker(loader);

        ScriptRuntime.Loaded unrelated = CompletableFuture.supplyAsync(() -> {
            try {
                return runtime.loadMain(other);
            } catch (ScriptException e) {
                throw new IllegalStateException(e);
            }
        }).get(60, TimeUnit.SECONDS);
        assertThat(unrelated.cached()).isTrue();
        assertThat(waiting).as("still waiting for the marker").isNotDone();

        segment.abandonCompile(key);
        assertThat(waiting.get(60, TimeUnit.SECONDS).cached()).isTrue();
        assertThat(runtime.pathsLoading()).as("no lock left behind").isZero();
    }

    @Test
    void aPathsLockLastsOnlyWhileItIsLoadedOrAwaited() throws Exception {
        LoadedScripts scripts = new LoadedScripts();
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> held = CompletableFuture.supplyAsync(() -> {
            try {
                return scripts.whileLoading("/a.java", () -> {
                    inside.countDown();
                    await(release);
                    return "a";
                });
            } catch (ScriptException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(inside.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(scripts.pathsLoading()).isEqualTo(1);
        assertThat(scripts.whileLoading("/b.java", () -> "b")).isEqualTo("b");
        release.countDown();
        assertThat(held.get(60, TimeUnit.SECONDS)).isEqualTo("a");
        assertThatThrownBy(() -> scripts.whileLoading("/c.java", () -> {
            throw new ScriptException("/c.java does not compile", List.of("c.java:1: error"));
        })).isInstanceOf(ScriptException.class);
        assertThat(scripts.pathsLoading()).isZero();
    }

    private static int stripe(Path path) {
        return (path.toString().hashCode() & 0x7fffffff) % 64;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Until the thread is parked inside the segment's wait for a compile marker. */
    private static void awaitWaitingForTheMarker(Thread thread) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!(thread.getState() == Thread.State.TIMED_WAITING && Arrays.stream(thread.getStackTrace())
                .anyMatch(frame -> frame.getMethodName().equals("awaitCompile")))) {
            assertThat(System.nanoTime() - deadline).as("the load waits for the marker").isNegative();
            Thread.sleep(10);
        }
    }
}
