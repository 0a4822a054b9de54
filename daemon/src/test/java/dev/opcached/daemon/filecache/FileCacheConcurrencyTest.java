package dev.opcached.daemon.filecache;

import static dev.opcached.daemon.filecache.FileCacheFixture.body;
import static dev.opcached.daemon.filecache.FileCacheFixture.key;
import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.protocol.testing.ChildJvm;
import dev.opcached.protocol.unit.Sha256;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writers of one key, in threads and in separate JVMs, while a reader reads it: every read finds
 * nothing (before the first write) or one whole body that some writer wrote, never a torn entry.
 */
class FileCacheConcurrencyTest {
    private static final int WRITES = 100;

    @TempDir
    Path root;
    FileCacheFixture fixture;
    FileCache cache;

    /** Body {@code i} of writer {@code writer}: four lengths, so that a mix of two would show. */
    static byte[] variant(int writer, int i) {
        return body(writer * 10 + i % 4, 1_000 + 700 * (i % 4));
    }

    private static Set<String> allVariants() {
        Set<String> all = new HashSet<>();
        for (int writer = 1; writer <= 2; writer++) {
            for (int i = 0; i < 4; i++) {
                all.add(HexFormat.of().formatHex(variant(writer, i)));
            }
        }
        return all;
    }

    @BeforeEach
    void open() throws Exception {
        fixture = new FileCacheFixture(root);
        cache = fixture.open();
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    /** Reads {@code key} until {@code done}, and returns every distinct body seen. */
    private Set<String> readUntil(Sha256 key, BooleanSupplier done) {
        Set<String> seen = new HashSet<>();
        int readsAfterDone = 0;
        while (readsAfterDone < 10) {
            if (done.getAsBoolean()) {
                readsAfterDone++;
            }
            Optional<byte[]> body = cache.read(Namespace.UNIT, key);
            body.ifPresent(b -> seen.add(HexFormat.of().formatHex(b)));
        }
        return seen;
    }

    @Test
    void twoThreadsWritingOneKeyNeverLeaveATornEntry() throws Exception {
        List<CompletableFuture<Void>> writers = new ArrayList<>();
        for (int writer = 1; writer <= 2; writer++) {
            int w = writer;
            writers.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < WRITES; i++) {
                    cache.write(Namespace.UNIT, key(1), variant(w, i));
                }
            }));
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new));
        Set<String> seen = readUntil(key(1), all::isDone);
        all.get(60, TimeUnit.SECONDS);
        assertThat(allVariants()).containsAll(seen);
        assertThat(seen).isNotEmpty();
        assertThat(cache.statistics().rejections()).isZero();
        assertThat(cache.statistics().stores()).isEqualTo(2L * WRITES);
        assertThat(cache.statistics().entries()).isEqualTo(1);
        assertThat(fixture.listing()).containsExactlyInAnyOrder("source", "unit", "unit/" + key(1).hex());
    }

    @Test
    void twoJvmsWritingOneKeyNeverLeaveATornEntry() throws Exception {
        try (ChildJvm first = start(1); ChildJvm second = start(2)) {
            Set<String> seen = readUntil(key(1), () -> !first.process().isAlive() && !second.process().isAlive());
            for (ChildJvm child : List.of(first, second)) {
                assertThat(child.awaitExit(Duration.ofSeconds(60))).as(child.output()).isZero();
                assertThat(child.output()).contains("done stores=" + WRITES + " hits=" + WRITES + " rejections=0 failures=0");
            }
            assertThat(allVariants()).containsAll(seen);
            assertThat(seen).as("the reads after both exited").isNotEmpty();
            assertThat(cache.statistics().rejections()).isZero();
            assertThat(fixture.listing()).containsExactlyInAnyOrder("source", "unit", "unit/" + key(1).hex());
        }
    }

    private ChildJvm start(int writer) throws Exception {
        return ChildJvm.start(FileCacheWriterChild.class, fixture.directory.toString(), fixture.keyFile.toString(),
                key(1).hex(), Integer.toString(writer), Integer.toString(WRITES));
    }
}
