package dev.opcached.protocol.segment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.protocol.segment.processes.CompileOwner;
import dev.opcached.protocol.testing.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One process compiles a key that several missed; a dead or stuck owner blocks nobody past the deadline. */
class CompileMarkerTest {
    private static final String KEY = "/srv/www/Slow.java";

    @TempDir
    Path dir;

    private Segment segment;

    @BeforeEach
    void create() throws Exception {
        segment = Segment.create(dir.resolve("s.seg"), new SegmentConfig(1 << 20, 64, 5));
    }

    @AfterEach
    void close() throws Exception {
        segment.close();
    }

    private ChildJvm owner(String mode) throws Exception {
        ChildJvm owner = ChildJvm.start(CompileOwner.class, segment.path().toString(), KEY, mode);
        owner.awaitLine("^claim OWNER", Duration.ofSeconds(30));
        return owner;
    }

    @Test
    void waiterGetsTheOwnersStore() throws Exception {
        try (ChildJvm owner = owner("store")) {
            assertThat(segment.beginCompile(SegmentKey.of(KEY), 60_000).ownerPid()).isEqualTo(owner.pid());
            owner.closeStdin();
            CompileClaim claim = segment.awaitCompile(SegmentKey.of(KEY), 60_000, 30_000);
            assertThat(claim.kind()).isEqualTo(CompileClaim.Kind.CACHED);
            assertThat(segment.lookup(SegmentKey.of(KEY))).isNotNull();
        }
    }

    @Test
    void deadOwnerIsTakenOverLongBeforeTheDeadline() throws Exception {
        try (ChildJvm owner = owner("hang")) {
            owner.kill();
            long started = System.nanoTime();
            CompileClaim claim = segment.awaitCompile(SegmentKey.of(KEY), 60_000, 60_000);
            assertThat(claim.kind()).isEqualTo(CompileClaim.Kind.OWNER);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("waited for a dead owner")
                    .isLessThan(Duration.ofSeconds(30));
        }
    }

    @Test
    void stuckOwnerBlocksNobodyPastTheWaitDeadline() throws Exception {
        try (ChildJvm owner = owner("hang")) {
            long started = System.nanoTime();
            CompileClaim claim = segment.awaitCompile(SegmentKey.of(KEY), 60_000, 500);
            assertThat(claim.kind()).isEqualTo(CompileClaim.Kind.OWNER);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(500))
                    .isLessThan(Duration.ofSeconds(30));
            assertThat(owner.process().isAlive()).isTrue();
        }
    }

    @Test
    void waiterPastItsDeadlineTakesOverAMarkerStampedByAClockFarAhead() throws Exception {
        long now = System.currentTimeMillis();
        try (Segment ahead = Segment.attach(segment.path(), () -> now + 5_000);
             Segment behind = Segment.attach(segment.path(), () -> now)) {
            assertThat(ahead.beginCompile(SegmentKey.of(KEY), 60_000).kind()).isEqualTo(CompileClaim.Kind.OWNER);
            assertThat(behind.beginCompile(SegmentKey.of(KEY), 60_000).kind()).as("a live owner's marker, 5 s ahead")
                    .isEqualTo(CompileClaim.Kind.BUSY);
            // Before the fix, a claim with staleAfter 0 still answered BUSY for a stamp ahead of the
            // clock, so the waiter retook the write lock in a loop until its clock caught up.
            CompletableFuture<CompileClaim> claim = CompletableFuture.supplyAsync(
                    () -> behind.awaitCompile(SegmentKey.of(KEY), 60_000, 200));
            assertThat(claim.get(30, TimeUnit.SECONDS).kind()).isEqualTo(CompileClaim.Kind.OWNER);
        }
    }

    @Test
    void aStampAheadByMoreThanTheStaleTimeHoldsNothing() throws Exception {
        long now = System.currentTimeMillis();
        try (Segment ahead = Segment.attach(segment.path(), () -> now + 120_000);
             Segment behind = Segment.attach(segment.path(), () -> now)) {
            ahead.beginCompile(SegmentKey.of(KEY), 60_000);
            assertThat(behind.beginCompile(SegmentKey.of(KEY), 60_000).kind()).isEqualTo(CompileClaim.Kind.OWNER);
        }
    }
}
