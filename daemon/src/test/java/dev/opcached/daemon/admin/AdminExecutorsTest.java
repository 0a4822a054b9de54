package dev.opcached.daemon.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The admin executors: changes never queue without bound, and a long change does not hold up a read. */
class AdminExecutorsTest {
    @Test
    void changesBeyondTheQueueAreRefusedWhileReadsStillRun() throws Exception {
        try (AdminExecutors executors = new AdminExecutors(4, 2)) {
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            executors.changes().execute(() -> {
                running.countDown();
                await(release);
            });
            assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
            executors.changes().execute(() -> { });
            executors.changes().execute(() -> { });
            assertThatThrownBy(() -> executors.changes().execute(() -> { }))
                    .as("a third change waiting behind a long one").isInstanceOf(RejectedExecutionException.class);

            CountDownLatch read = new CountDownLatch(1);
            executors.reads().execute(read::countDown);
            assertThat(read.await(30, TimeUnit.SECONDS)).as("a status while a change runs").isTrue();
            release.countDown();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
