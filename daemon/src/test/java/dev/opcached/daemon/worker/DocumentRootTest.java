package dev.opcached.daemon.worker;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.opcached.daemon.testing.Scripts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The realpath cache: bounded in entries and bytes, and never holding a miss. */
class DocumentRootTest {
    @TempDir
    Path docroot;

    @Test
    void uniqueMissingPathsAreNeverCached() throws Exception {
        DocumentRoot root = new DocumentRoot(docroot, 120, 4 << 20, () -> 0);
        for (int i = 0; i < 50_000; i++) {
            assertThat(root.resolve("/missing-" + i + ".java")).isNull();
        }
        assertThat(root.cachedEntries()).isZero();
    }

    @Test
    void aFileCreatedAfterA404ServesAtOnce() throws Exception {
        DocumentRoot root = new DocumentRoot(docroot, 120, 4 << 20, () -> 0);
        assertThat(root.resolve("/late.java")).isNull();
        Path late = Scripts.text(docroot, "late", "late");
        assertThat(root.resolve("/late.java")).isEqualTo(late.toRealPath());
    }

    @Test
    void manyNamesOfExistingFilesStayWithinTheEntryBound() throws Exception {
        Scripts.text(docroot, "hello", "hello");
        DocumentRoot root = new DocumentRoot(docroot, 120, Long.MAX_VALUE, () -> 0);
        // Every one of these names the same file: a client can make as many as it likes.
        for (int i = 0; i < DocumentRoot.MAX_ENTRIES + 5_000; i++) {
            assertThat(root.resolve("/" + "./".repeat(i / 200) + "/".repeat(i % 200) + "hello.java")).isNotNull();
        }
        assertThat(root.cachedEntries()).isLessThanOrEqualTo(DocumentRoot.MAX_ENTRIES);
    }

    @Test
    void theCacheStaysWithinItsByteBudgetAndKeepsTheOneInUse() throws Exception {
        Scripts.text(docroot, "hello", "hello");
        long budget = 10_000;
        DocumentRoot root = new DocumentRoot(docroot, 120, budget, () -> 0);
        for (int i = 0; i < 1_000; i++) {
            root.resolve("/" + "./".repeat(i) + "hello.java");
            root.resolve("/hello.java");
            assertThat(root.cachedBytes()).isLessThanOrEqualTo(budget);
        }
        assertThat(root.cachedEntries()).as("older names were evicted").isLessThan(100);
        Files.delete(docroot.resolve("hello.java"));
        assertThat(root.resolve("/hello.java")).as("the one used between every eviction is still cached").isNotNull();
    }

    @Test
    void anEntryExpiresAfterTheTtl() throws Exception {
        Scripts.text(docroot, "hello", "hello");
        long[] now = {0};
        DocumentRoot root = new DocumentRoot(docroot, 2, 4 << 20, () -> 0, () -> now[0]);
        assertThat(root.resolve("/hello.java")).isNotNull();
        Files.delete(docroot.resolve("hello.java"));
        now[0] += 1_000_000_000L;
        assertThat(root.resolve("/hello.java")).isNotNull();
        now[0] += 1_500_000_000L;
        assertThat(root.resolve("/hello.java")).isNull();
        assertThat(root.cachedEntries()).isZero();
    }

    @Test
    void aRefusedPathIsLoggedOnOneLineWithItsControlCharactersEscaped() throws Exception {
        Files.writeString(docroot.getParent().resolve("secret.java"), "secret");
        Files.createSymbolicLink(docroot.resolve("link\r.java"), docroot.getParent().resolve("secret.java"));
        DocumentRoot root = new DocumentRoot(docroot, 120, 4 << 20, () -> 0);
        Logger logger = (Logger) LoggerFactory.getLogger(DocumentRoot.class);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        logger.addAppender(log);
        try {
            assertThat(root.resolve("/x\n2026-12-01 WARN forged/../../secret.java")).isNull();
            assertThat(root.resolve("/link\r.java")).isNull();
        } finally {
            logger.detachAppender(log);
        }
        assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                "refused path /x\\n2026-12-01 WARN forged/../../secret.java: it leaves the docroot",
                "refused path /link\\r.java: a symbolic link leads out of the docroot to "
                        + docroot.getParent().resolve("secret.java").toRealPath());
    }

    @Test
    void aHitWaitsForNoOneChangingTheCache() throws Exception {
        Scripts.text(docroot, "hello", "hello");
        DocumentRoot root = new DocumentRoot(docroot, 120, 4 << 20, () -> 0);
        Path hello = root.resolve("/hello.java");
        CompletableFuture<Path> hit;
        synchronized (root.writeLock()) {
            // A miss or an eviction on another event loop holds the lock: hits go on meanwhile.
            hit = CompletableFuture.supplyAsync(() -> root.resolve("/hello.java"));
            assertThat(hit.get(30, TimeUnit.SECONDS)).isEqualTo(hello);
        }
    }
}
