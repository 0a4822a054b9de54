package dev.opcached.protocol.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opcached.protocol.testing.TestPayloads;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A segment closed while other threads use it (a supervisor renewing a lost segment) gives every
 * operation a defined answer: no NullPointerException from a released mapping, reads answer as for
 * an empty cache, writes and statistics throw {@link SegmentClosedException}.
 */
class SegmentCloseTest {
    private static final int KEYS = 16;
    private static final int ROUNDS = 10;

    @TempDir
    Path dir;

    @Test
    void afterCloseEveryOperationHasADefinedAnswer() throws Exception {
        Segment segment = Segment.create(dir.resolve("pool.seg"), new SegmentConfig(1 << 20, 64, 5));
        SegmentKey key = SegmentKey.of(TestPayloads.path(1));
        segment.store(key, TestPayloads.metadata(1, 10), TestPayloads.payload(1, 1, 10));
        CachedEntry held = segment.lookup(key);
        segment.close();
        segment.close();

        assertThat(segment.lookup(key)).isNull();
        assertThat(segment.peek(key)).isNull();
        assertThat(segment.hitIfCurrent(held)).isFalse();
        assertThat(held.copyPayload()).isNull();
        assertThat(segment.claimRevalidation(held, 0)).isFalse();
        assertThat(segment.scripts()).isEmpty();
        assertThat(segment.statGeneration()).isZero();
        segment.countCompile();
        segment.countBlacklistMiss();
        assertClosed(segment::statistics);
        assertClosed(segment::verify);
        assertClosed(segment::clearStatCaches);
        assertClosed(segment::heartbeat);
        assertClosed(() -> segment.store(key, TestPayloads.metadata(1, 10), TestPayloads.payload(1, 1, 10)));
        assertClosed(() -> segment.invalidate(key, true));
        assertClosed(segment::reset);
        assertClosed(segment::maintain);
        assertClosed(() -> segment.beginCompile(key, 1_000));
        assertClosed(() -> segment.abandonCompile(key));
    }

    private static void assertClosed(org.assertj.core.api.ThrowableAssert.ThrowingCallable operation) {
        assertThatThrownBy(operation).isInstanceOf(SegmentClosedException.class).hasMessageContaining("is closed");
    }

    @Test
    void aCloseRacingWithReadsAndWritesGivesOnlyDefinedAnswers() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            Segment segment = Segment.create(dir.resolve("pool-" + round + ".seg"), new SegmentConfig(1 << 20, 64, 5));
            for (int key = 0; key < KEYS; key++) {
                segment.store(SegmentKey.of(TestPayloads.path(key)), TestPayloads.metadata(key, 100),
                        TestPayloads.payload(key, key, 100));
            }
            ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicBoolean closed = new AtomicBoolean();
            CountDownLatch running = new CountDownLatch(3);
            CountDownLatch ranPastClose = new CountDownLatch(3);
            List<Thread> threads = new ArrayList<>();
            threads.add(loop(running, closed, ranPastClose, stop, unexpected, i -> {
                CachedEntry entry = segment.lookup(SegmentKey.of(TestPayloads.path(i % KEYS)));
                if (entry != null) {
                    entry.copyPayload();
                    segment.hitIfCurrent(entry);
                }
            }));
            threads.add(loop(running, closed, ranPastClose, stop, unexpected, i -> {
                int key = i % KEYS;
                segment.store(SegmentKey.of(TestPayloads.path(key)), TestPayloads.metadata(key, 100),
                        TestPayloads.payload(key, i, 100));
            }));
            threads.add(loop(running, closed, ranPastClose, stop, unexpected, i -> {
                segment.statistics();
                segment.scripts();
                segment.clearStatCaches();
            }));
            assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
            segment.close();
            closed.set(true);
            // Every loop goes on well past the close before it is stopped: the race is exercised.
            assertThat(ranPastClose.await(30, TimeUnit.SECONDS)).as("every loop ran past the close; unexpected: %s", unexpected).isTrue();
            stop.set(true);
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(30));
                assertThat(thread.isAlive()).isFalse();
            }
            assertThat(unexpected).isEmpty();
        }
    }

    private interface Step {
        void run(int i);
    }

    /**
     * Runs {@code step} until stopped, recording unexpected failures; counts down {@code running}
     * after its first step and {@code ranPastClose} after its 50th step once {@code closed} is set.
     */
    private static Thread loop(CountDownLatch running, AtomicBoolean closed, CountDownLatch ranPastClose,
                               AtomicBoolean stop, ConcurrentLinkedQueue<Throwable> unexpected, Step step) {
        Thread thread = new Thread(() -> {
            int afterClose = 0;
            for (int i = 0; !stop.get(); i++) {
                if (closed.get() && ++afterClose == 50) {
                    ranPastClose.countDown();
                }
                try {
                    step.run(i);
                } catch (SegmentClosedException expected) {
                    // a write or the statistics after the close
                } catch (Throwable e) {
                    unexpected.add(e);
                    return;
                }
                if (i == 0) {
                    running.countDown();
                }
            }
        });
        thread.start();
        return thread;
    }
}
