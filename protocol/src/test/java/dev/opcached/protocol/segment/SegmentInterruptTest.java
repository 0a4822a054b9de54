package dev.opcached.protocol.segment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.protocol.testing.TestPayloads;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A thread whose interrupt flag is set must not close the channel this JVM shares for a segment
 * file: closing it would fail every later write and drop the fcntl lock another thread holds.
 */
class SegmentInterruptTest {
    @TempDir
    Path dir;

    private Segment segment;

    @BeforeEach
    void create() throws Exception {
        segment = Segment.create(dir.resolve("pool.seg"), new SegmentConfig(1 << 20, 64, 5));
    }

    @AfterEach
    void close() throws Exception {
        Thread.interrupted();
        segment.close();
    }

    @Test
    void anInterruptedThreadLeavesTheSharedChannelOpen() throws Exception {
        SegmentKey key = SegmentKey.of(TestPayloads.path(1));
        assertThat(segment.beginCompile(key, 10_000).kind()).isEqualTo(CompileClaim.Kind.OWNER);

        Thread.currentThread().interrupt();
        segment.countCompile();
        segment.abandonCompile(key);
        assertThat(Thread.interrupted()).as("the flag is the caller's, left as it was").isTrue();

        OpenSegmentFiles.Handle handle = segment.file().handle();
        assertThat(handle.channel().isOpen()).isTrue();
        StoreOutcome outcome = CompletableFuture.supplyAsync(() -> segment.store(key, TestPayloads.metadata(1, 10),
                TestPayloads.payload(1, 1, 10))).get(30, TimeUnit.SECONDS);
        assertThat(outcome).isEqualTo(StoreOutcome.STORED);
        assertThat(segment.statistics().compiles()).isEqualTo(1);
        // The lock still excludes: while this thread holds it, nobody else gets it.
        assertThat(handle.lock(TimeUnit.SECONDS.toNanos(5))).isTrue();
        try {
            boolean other = CompletableFuture.supplyAsync(() -> {
                try {
                    return handle.lock(TimeUnit.MILLISECONDS.toNanos(50));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).get(30, TimeUnit.SECONDS);
            assertThat(other).isFalse();
        } finally {
            handle.unlock();
        }
    }
}
