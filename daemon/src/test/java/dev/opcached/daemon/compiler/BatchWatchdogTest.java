package dev.opcached.daemon.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link BatchWatchdog}: what is answered without javac is watched like a batch. */
class BatchWatchdogTest {
    @Test
    void aLookThatRunsPastTheLimitEndsTheCompilerAndOneThatEndedDoesNot() throws Exception {
        AtomicInteger ends = new AtomicInteger();
        BatchWatchdog watchdog = new BatchWatchdog(new RecordingEngine(false), 0, ends::incrementAndGet);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompilerServer.WithoutJavac watched = watchdog.watching((path, deadlineNanos) -> {
            inside.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        });
        CompletableFuture<Void> look = CompletableFuture.runAsync(() -> {
            try {
                watched.outcome(Path.of("/www/stuck.java"), System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (ends.get() == 0) {
                assertThat(System.nanoTime() - deadline).as("the stuck look ends the compiler").isNegative();
                watchdog.check();
            }
        } finally {
            release.countDown();
        }
        look.get(30, TimeUnit.SECONDS);
        int endsBefore = ends.get();
        watchdog.check();
        assertThat(ends.get()).as("nothing runs now").isEqualTo(endsBefore);
    }
}
