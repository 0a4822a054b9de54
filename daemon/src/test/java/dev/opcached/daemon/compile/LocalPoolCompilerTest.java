package dev.opcached.daemon.compile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opcached.daemon.filecache.FileCache;
import dev.opcached.daemon.filecache.FileCacheConfig;
import dev.opcached.daemon.runtime.Blacklist;
import dev.opcached.daemon.runtime.CachePolicy;
import dev.opcached.daemon.runtime.ScriptSource;
import dev.opcached.daemon.testing.Scripts;
import dev.opcached.protocol.common.DocrootContainment;
import dev.opcached.protocol.segment.CachedEntry;
import dev.opcached.protocol.segment.EntryMetadata;
import dev.opcached.protocol.segment.EpochClock;
import dev.opcached.protocol.segment.FileCacheFigures;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentConfig;
import dev.opcached.protocol.segment.SegmentKey;
import dev.opcached.protocol.segment.StoreOutcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pool compiler in this process: into the segment, each broken version compiled once, nothing opened that is not a regular docroot file. */
class LocalPoolCompilerTest {
    @TempDir
    Path dir;
    private Path docroot;
    private Segment segment;
    private PoolCompiler compiler;

    @BeforeEach
    void start() throws IOException {
        docroot = Files.createDirectories(dir.resolve("www")).toRealPath();
        segment = Segment.create(dir.resolve("test.seg"), new SegmentConfig(8 << 20, 64, 5));
        Path blacklist = Files.writeString(dir.resolve("blacklist.txt"), docroot + "/private/\n");
        compiler = LocalPoolCompiler.forDocroot(segment, docroot, new CachePolicy(true, 0, 0, 0,
                Blacklist.read(blacklist.toString()), 30_000, 1), EpochClock.SYSTEM);
    }

    @AfterEach
    void close() throws IOException {
        segment.close();
    }

    private FileOutcome compile(Path script) throws CompilerUnavailableException {
        return compiler.compile(List.of(script), 30_000, PoolCompiler.Progress.NONE).get(0);
    }

    private static Path aged(Path file) throws IOException {
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
        return file;
    }

    @Test
    void storesTheScriptAndSaysSoTheSecondTimeWithoutCompiling() throws Exception {
        Path script = aged(Scripts.text(docroot, "page", "page"));
        assertThat(compile(script).inSegment()).isTrue();
        assertThat(segment.peek(SegmentKey.of(script.toString()))).isNotNull();
        assertThat(compile(script).inSegment()).isTrue();
        assertThat(segment.statistics().compiles()).isEqualTo(1);
    }

    @Test
    void aBlacklistedScriptCompilesButIsNotCached() throws Exception {
        Files.createDirectories(docroot.resolve("private"));
        Path script = aged(Scripts.text(docroot.resolve("private"), "hidden", "hidden"));
        assertThat(compile(script).status()).isEqualTo(FileOutcome.Status.NOT_CACHED);
        assertThat(segment.statistics().numCachedScripts()).isZero();
    }

    @Test
    void aBrokenVersionIsCompiledOnceAndAFixedOneAgain() throws Exception {
        Path script = aged(Scripts.write(docroot, "broken", "response.write(missing);"));
        for (int i = 0; i < 3; i++) {
            FileOutcome outcome = compile(script);
            assertThat(outcome.status()).isEqualTo(FileOutcome.Status.FAILED);
            assertThat(outcome.diagnostics()).anyMatch(line -> line.contains("broken.java:4: error: cannot find symbol"));
        }
        assertThat(segment.statistics().compiles()).isEqualTo(1);
        aged(Scripts.text(docroot, "broken", "mended"));
        assertThat(compile(script).inSegment()).isTrue();
        assertThat(segment.statistics().compiles()).isEqualTo(2);
    }

    @Test
    void aFailureCausedByAnotherDocrootFileIsForgottenOnceThatFileIsFixed() throws Exception {
        Files.createDirectories(docroot.resolve("lib"));
        Path helper = aged(Files.writeString(docroot.resolve("lib/Helper.java"),
                "package lib;\npublic final class Helper {\n}\n"));
        Path script = aged(Scripts.write(docroot, "uses", "response.write(lib.Helper.greeting());"));
        assertThat(compile(script).status()).isEqualTo(FileOutcome.Status.FAILED);
        // The batch compiled the helper too (and stored it: it compiles), and the script.
        assertThat(segment.statistics().compiles()).isEqualTo(2);
        assertThat(compile(script).status()).as("remembered").isEqualTo(FileOutcome.Status.FAILED);
        assertThat(segment.statistics().compiles()).as("no javac for a remembered failure").isEqualTo(2);

        aged(Files.writeString(helper, "package lib;\npublic final class Helper {\n"
                + "    public static String greeting() { return \"hi\"; }\n}\n"));
        // The helper was read by the pass that failed the script: the next compile is javac's, at once.
        assertThat(compile(script).inSegment()).as("compiled on the next call").isTrue();
        assertThat(segment.statistics().compiles()).as("the helper's new version and the script").isEqualTo(4);
    }

    private FileCache fileCache() throws IOException {
        return FileCache.open(new FileCacheConfig(dir.resolve("file_cache"), dir.resolve("file_cache.key"), false,
                64 << 20), EpochClock.SYSTEM);
    }

    private LocalPoolCompiler compilerWith(FileCache cache) throws IOException {
        return LocalPoolCompiler.forDocroot(segment, docroot, CachePolicy.singleRun(), EpochClock.SYSTEM, cache);
    }

    /** A script that uses lib/Helper.java, both older than any file_update_protection. */
    private Path scriptUsingHelper() throws IOException {
        Files.createDirectories(docroot.resolve("lib"));
        aged(Files.writeString(docroot.resolve("lib/Helper.java"),
                "package lib;\npublic final class Helper {\n    public static String greeting() { return \"hi\"; }\n}\n"));
        return aged(Scripts.write(docroot, "uses", "response.write(lib.Helper.greeting());"));
    }

    /**
     * The file cache's figures as the pool gets them, after each read and write of the file cache:
     * while {@link #close}d, each such call says so on {@link #inside} and then waits for
     * {@link #open} (a file-cache read that hangs).
     */
    private final class FileCacheGate implements Consumer<FileCacheFigures> {
        final Semaphore inside = new Semaphore(0);
        private volatile CountDownLatch gate = new CountDownLatch(0);

        void close() {
            gate = new CountDownLatch(1);
        }

        void open() {
            gate.countDown();
        }

        @Override
        public void accept(FileCacheFigures change) {
            segment.countFileCache(change);
            CountDownLatch now = gate;
            if (now.getCount() == 0) {
                return;
            }
            inside.release();
            try {
                now.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private LocalPoolCompiler compilerWith(FileCache cache, FileCacheGate gate) throws IOException {
        DocrootContainment containment = new DocrootContainment(docroot);
        DocrootBatchCompiler javac = new DocrootBatchCompiler(containment);
        return new LocalPoolCompiler(segment, new ScriptSource(containment), CachePolicy.singleRun(), EpochClock.SYSTEM,
                javac, new FileCacheLevel(new LevelledStore(cache, null), cache, containment, javac.keyOptions(), gate));
    }

    private static FileOutcome look(LocalPoolCompiler compiler, Path script) throws CompilerUnavailableException {
        return compiler.withoutCompiling(script, System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
    }

    /** {@code body} on a thread of its own, its answer in the future. */
    private static Thread start(CompletableFuture<FileOutcome> answer, Callable<FileOutcome> body) {
        Thread thread = new Thread(() -> {
            try {
                answer.complete(body.call());
            } catch (Throwable e) {
                answer.completeExceptionally(e);
            }
        });
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    @Test
    void manyAskingForOneScriptAtOnceLoadItFromTheFileCacheOnce() throws Exception {
        FileCache cache = fileCache();
        FileCacheGate gate = new FileCacheGate();
        LocalPoolCompiler withFileCache = compilerWith(cache, gate);
        Path script = scriptUsingHelper();
        withFileCache.compile(List.of(script), 30_000, PoolCompiler.Progress.NONE);
        segment.reset();
        long hits = cache.statistics().hits();
        long stores = segment.statistics().stores();
        assertThat(look(withFileCache, script).status()).isEqualTo(FileOutcome.Status.FILE_CACHE);
        long oneLoad = cache.statistics().hits() - hits;
        assertThat(segment.statistics().stores() - stores).as("the script and its helper").isEqualTo(2);

        // After a reset both workers and the reset's reload ask at once: one load, the rest find it current.
        segment.reset();
        hits = cache.statistics().hits();
        stores = segment.statistics().stores();
        gate.close();
        List<CompletableFuture<FileOutcome>> answers = new ArrayList<>();
        List<Thread> others = new ArrayList<>();
        try {
            CompletableFuture<FileOutcome> first = new CompletableFuture<>();
            answers.add(first);
            start(first, () -> look(withFileCache, script));
            assertThat(gate.inside.tryAcquire(30, TimeUnit.SECONDS)).as("the first look holds its file-cache read").isTrue();
            CountDownLatch asking = new CountDownLatch(7);
            for (int i = 0; i < 7; i++) {
                CompletableFuture<FileOutcome> answer = new CompletableFuture<>();
                answers.add(answer);
                others.add(start(answer, () -> {
                    asking.countDown();
                    return look(withFileCache, script);
                }));
            }
            assertThat(asking.await(30, TimeUnit.SECONDS)).isTrue();
            // Each of the others waits: for the first look (or, without a single flight, in a read of its own).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!others.stream().map(Thread::getState).allMatch(state -> state == Thread.State.WAITING
                    || state == Thread.State.TIMED_WAITING || state == Thread.State.BLOCKED)) {
                assertThat(System.nanoTime() - deadline).as("the others are waiting").isNegative();
                Thread.onSpinWait();
            }
        } finally {
            gate.open();
        }
        for (CompletableFuture<FileOutcome> answer : answers) {
            assertThat(answer.get(30, TimeUnit.SECONDS).inSegment()).isTrue();
        }
        assertThat(cache.statistics().hits() - hits).as("one load from the file cache").isEqualTo(oneLoad);
        assertThat(segment.statistics().stores() - stores).as("stored once").isEqualTo(2);
    }

    @Test
    void aLookStuckBehindAnotherEndsAtItsOwnDeadline() throws Exception {
        FileCacheGate gate = new FileCacheGate();
        LocalPoolCompiler withFileCache = compilerWith(fileCache(), gate);
        Path script = scriptUsingHelper();
        withFileCache.compile(List.of(script), 30_000, PoolCompiler.Progress.NONE);
        segment.reset();
        gate.close();
        CompletableFuture<FileOutcome> stuck = new CompletableFuture<>();
        try {
            start(stuck, () -> look(withFileCache, script));
            assertThat(gate.inside.tryAcquire(30, TimeUnit.SECONDS)).as("a look holds its file-cache read").isTrue();
            CompletableFuture<FileOutcome> behind = new CompletableFuture<>();
            start(behind, () -> withFileCache.withoutCompiling(script, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200)));
            assertThatThrownBy(() -> behind.get(30, TimeUnit.SECONDS)).as("unavailable at its deadline, not after the stuck look")
                    .isInstanceOf(ExecutionException.class).cause()
                    .isInstanceOf(CompilerUnavailableException.class).hasMessageContaining(script.toString());
            assertThat(stuck).as("the other look still holds the file").isNotDone();
        } finally {
            gate.open();
        }
        assertThat(stuck.get(30, TimeUnit.SECONDS).status()).isEqualTo(FileOutcome.Status.FILE_CACHE);
    }

    @Test
    void aRememberedFailureIsServedWithoutLookingInTheFileCache() throws Exception {
        FileCache cache = fileCache();
        LocalPoolCompiler withFileCache = compilerWith(cache);
        Path script = aged(Scripts.write(docroot, "broken", "response.write(missing);"));
        assertThat(withFileCache.compile(List.of(script), 30_000, PoolCompiler.Progress.NONE).get(0).status())
                .isEqualTo(FileOutcome.Status.FAILED);
        long misses = cache.statistics().misses();
        for (int i = 0; i < 3; i++) {
            assertThat(look(withFileCache, script)).isNotNull().extracting(FileOutcome::status)
                    .isEqualTo(FileOutcome.Status.FAILED);
        }
        assertThat(cache.statistics().misses()).as("file cache misses while the failure holds").isEqualTo(misses);
        assertThat(segment.statistics().compiles()).isEqualTo(1);
    }

    @Test
    void whatTheFileCacheMissedOnTheWayInIsNotAskedAgainUnlessAUnitWasFiledSince() throws Exception {
        FileCache cache = fileCache();
        LocalPoolCompiler withFileCache = compilerWith(cache);
        Path script = scriptUsingHelper();
        Path helper = docroot.resolve("lib/Helper.java");
        Path other = aged(Scripts.text(docroot, "other", "other"));

        // Missed on the request's thread, then compiled by its batch: one miss, not two.
        assertThat(look(withFileCache, other)).isNull();
        long misses = cache.statistics().misses();
        assertThat(withFileCache.compile(List.of(other), 30_000, PoolCompiler.Progress.NONE).get(0).status())
                .isEqualTo(FileOutcome.Status.COMPILED);
        assertThat(cache.statistics().misses()).isEqualTo(misses);

        // Missed, then filed by another batch (the script's, which compiles the helper too), then
        // the segment emptied (a reset) before the helper's own batch: that batch loads it.
        assertThat(look(withFileCache, helper)).isNull();
        assertThat(withFileCache.compile(List.of(script), 30_000, PoolCompiler.Progress.NONE).get(0).status())
                .isEqualTo(FileOutcome.Status.COMPILED);
        segment.reset();
        long compiles = segment.statistics().compiles();
        assertThat(withFileCache.compile(List.of(helper), 30_000, PoolCompiler.Progress.NONE).get(0).status())
                .isEqualTo(FileOutcome.Status.FILE_CACHE);
        assertThat(segment.statistics().compiles()).isEqualTo(compiles);
    }

    private LocalPoolCompiler validating(boolean timestamps) throws IOException {
        return LocalPoolCompiler.forDocroot(segment, docroot, new CachePolicy(timestamps, 0, 0, 0, Blacklist.EMPTY,
                30_000, 1), EpochClock.SYSTEM);
    }

    /** The entry the segment holds for {@code script} once {@code with} has compiled it. */
    private CachedEntry compiled(LocalPoolCompiler with, Path script) throws CompilerUnavailableException {
        assertThat(with.compile(List.of(script), 30_000, PoolCompiler.Progress.NONE).get(0).inSegment()).isTrue();
        return segment.peek(SegmentKey.of(script.toString()));
    }

    private boolean discard(LocalPoolCompiler with, CachedEntry entry) {
        return with.discard(Path.of(entry.key().path()), entry.ref(), 30_000);
    }

    @Test
    void aSoundEntryIsNotDiscardedWhateverAWorkerClaims() throws Exception {
        LocalPoolCompiler validating = validating(true);
        CachedEntry entry = compiled(validating, scriptUsingHelper());
        assertThat(discard(validating, entry)).isFalse();
        assertThat(discard(validating(false), entry)).isFalse();
        assertThat(segment.holds(entry)).isTrue();
    }

    @Test
    void anEntryCompiledAgainstAVersionTheCacheNoLongerHoldsIsDiscarded() throws Exception {
        // Timestamps not validated: what makes it stale is the segment, not the disk.
        LocalPoolCompiler notValidating = validating(false);
        Path script = scriptUsingHelper();
        CachedEntry entry = compiled(notValidating, script);
        Path helper = aged(Files.writeString(docroot.resolve("lib/Helper.java"),
                "package lib;\npublic final class Helper {\n    public static String greeting() { return \"hello\"; }\n}\n"));
        compiled(notValidating, helper);
        assertThat(discard(notValidating, entry)).isTrue();
        assertThat(segment.peek(SegmentKey.of(script.toString()))).isNull();
    }

    @Test
    void anEntryThatIsNotACompileUnitIsDiscarded() throws Exception {
        Path script = aged(Scripts.text(docroot, "page", "page"));
        SegmentKey key = SegmentKey.of(script.toString());
        assertThat(segment.store(key, new EntryMetadata(Files.getLastModifiedTime(script).toMillis(), Files.size(script),
                0, System.currentTimeMillis(), 0), new byte[] {1, 2, 3})).isEqualTo(StoreOutcome.STORED);
        assertThat(discard(validating(false), segment.peek(key))).isTrue();
        assertThat(segment.peek(key)).isNull();
    }

    @Test
    void anEntryWhoseFileIsNowADirectoryOrALinkIsDiscarded() throws Exception {
        LocalPoolCompiler validating = validating(true);
        Path becomesDirectory = aged(Scripts.text(docroot, "dir", "dir"));
        Path becomesLink = aged(Scripts.text(docroot, "link", "link"));
        CachedEntry ofDirectory = compiled(validating, becomesDirectory);
        CachedEntry ofLink = compiled(validating, becomesLink);

        Files.delete(becomesDirectory);
        Files.createDirectory(becomesDirectory);
        Path outside = Files.createDirectories(dir.resolve("outside")).resolve("link.java");
        Files.move(becomesLink, outside);
        Files.createSymbolicLink(becomesLink, outside);
        assertThat(discard(validating, ofDirectory)).isTrue();
        assertThat(discard(validating, ofLink)).isTrue();
        assertThat(segment.statistics().numCachedScripts()).isZero();
    }

    @Test
    void aChangedSourceOrInputIsDiscardedOnlyWhenTimestampsAreValidated() throws Exception {
        LocalPoolCompiler validating = validating(true);
        LocalPoolCompiler notValidating = validating(false);
        Path changes = aged(Scripts.text(docroot, "changes", "old"));
        CachedEntry ofChanged = compiled(validating, changes);
        Path script = scriptUsingHelper();
        CachedEntry ofUser = compiled(validating, script);

        // Half a deploy: new bytes on disk, no reset yet.
        Scripts.text(docroot, "changes", "new, and longer");
        Files.setLastModifiedTime(docroot.resolve("lib/Helper.java"), FileTime.fromMillis(System.currentTimeMillis()));
        assertThat(discard(notValidating, ofChanged)).as("validate_timestamps=0: the disk is not the pool's yet").isFalse();
        assertThat(discard(notValidating, ofUser)).isFalse();
        assertThat(segment.holds(ofChanged) && segment.holds(ofUser)).isTrue();

        assertThat(discard(validating, ofChanged)).isTrue();
        assertThat(discard(validating, ofUser)).as("its input changed").isTrue();
        assertThat(segment.holds(ofChanged) || segment.holds(ofUser)).isFalse();
    }

    @Test
    void aRefOfAnEntryReplacedSinceIsNotDiscarded() throws Exception {
        LocalPoolCompiler validating = validating(true);
        Path script = aged(Scripts.text(docroot, "page", "v1"));
        CachedEntry first = compiled(validating, script);
        SegmentKey key = first.key();
        // Its successor, unusable itself: only its own ref may take it out.
        assertThat(segment.store(key, first.metadata(), new byte[] {1, 2, 3})).isEqualTo(StoreOutcome.STORED);
        CachedEntry successor = segment.peek(key);

        assertThat(validating.discard(script, first.ref(), 30_000)).isFalse();
        assertThat(segment.peek(key).ref()).isEqualTo(successor.ref());
        assertThat(validating.discard(script, successor.ref(), 30_000)).isTrue();
    }

    @Test
    void aFifoOrALinkIsNotFoundRatherThanOpened() throws Exception {
        Path fifo = docroot.resolve("pipe.java");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0).isTrue();
        assertThat(compile(fifo).status()).isEqualTo(FileOutcome.Status.NOT_FOUND);

        Path outside = Scripts.text(Files.createDirectories(dir.resolve("outside")), "linked", "outside");
        Path link = Files.createSymbolicLink(docroot.resolve("linked.java"), outside);
        assertThat(compile(link).status()).isEqualTo(FileOutcome.Status.NOT_FOUND);
        assertThat(segment.statistics().compiles()).isZero();
    }
    @Test
    void aFifoDependencyIsNotOpened() throws Exception {
        Files.createDirectories(docroot.resolve("lib"));
        Path fifo = docroot.resolve("lib/Dep.java");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0).isTrue();
        Path script = aged(Scripts.write(docroot, "usesfifo", "response.write(lib.Dep.greeting());"));
        CompletableFuture<FileOutcome> compile = CompletableFuture.supplyAsync(() -> {
            try {
                return compile(script);
            } catch (CompilerUnavailableException e) {
                throw new CompletionException(e);
            }
        });
        try {
            FileOutcome outcome = compile.get(60, TimeUnit.SECONDS);
            assertThat(outcome.status()).as("answers, and does not compile").isEqualTo(FileOutcome.Status.FAILED);
            assertThat(outcome.diagnostics()).anyMatch(line -> line.contains("usesfifo.java"));
        } finally {
            if (!compile.isDone()) {
                // The old compile waits in open(): a writer that closes at once lets it end.
                Files.newOutputStream(fifo).close();
            }
        }
    }

    @Test
    void aDependencyLinkedOutOfTheDocrootIsNotRead() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "package lib;\npublic final class Out {\n"
                + "    public static String greeting() { return OUTSIDE_SECRET_1234; }\n}\n");
        Files.writeString(outside.resolve("Far.java"), "package far;\npublic final class Far {\n"
                + "    public static String greeting() { return FAR_SECRET_5678; }\n}\n");
        Files.createDirectories(docroot.resolve("lib"));
        Files.createSymbolicLink(docroot.resolve("lib/Out.java"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(docroot.resolve("far"), outside);
        Path script = aged(Scripts.write(docroot, "usesout",
                "response.write(lib.Out.greeting() + far.Far.greeting());"));
        FileOutcome outcome = compile(script);
        assertThat(outcome.status()).isEqualTo(FileOutcome.Status.FAILED);
        assertThat(String.join("\n", outcome.diagnostics())).contains("usesout.java")
                .doesNotContain("OUTSIDE_SECRET_1234", "FAR_SECRET_5678", outside.toString());
    }

    /**
     * Another host's file cache standing for the fleet's store: this host's source record of a
     * script names the unit the script was compiled to against its helper's last version; once
     * the helper changed (the script's source did not), the record is stale, and the fleet's, which
     * another host filed when it compiled the script against the new helper, is used instead.
     */
    @Test
    void aSourceRecordThatAChangedInputMadeStaleIsLookedUpInTheFleet() throws Exception {
        Path otherDocroot = Files.createDirectories(dir.resolve("other/www")).toRealPath();
        Path otherScript = scriptUsingHelper(otherDocroot, "hi");
        Path script = scriptUsingHelper(docroot, "hi");
        FileCache fleet = FileCache.open(new FileCacheConfig(dir.resolve("fleet"), dir.resolve("fleet.key"), false,
                64 << 20), EpochClock.SYSTEM);
        try (Segment otherSegment = Segment.create(dir.resolve("other.seg"), new SegmentConfig(8 << 20, 64, 5))) {
            LocalPoolCompiler other = LocalPoolCompiler.forDocroot(otherSegment, otherDocroot, CachePolicy.singleRun(),
                    EpochClock.SYSTEM, FileCache.open(new FileCacheConfig(dir.resolve("other/file_cache"),
                            dir.resolve("other/file_cache.key"), false, 64 << 20), EpochClock.SYSTEM), fleet, null);
            LocalPoolCompiler here = LocalPoolCompiler.forDocroot(segment, docroot, CachePolicy.singleRun(),
                    EpochClock.SYSTEM, fileCache(), fleet, null);
            other.compile(List.of(otherScript), 30_000, PoolCompiler.Progress.NONE);
            assertThat(look(here, script)).as("from the fleet, into this host's file cache too").isNotNull()
                    .extracting(FileOutcome::status).isEqualTo(FileOutcome.Status.FILE_CACHE);

            scriptUsingHelper(otherDocroot, "hello");
            scriptUsingHelper(docroot, "hello");
            assertThat(other.compile(List.of(otherScript), 30_000, PoolCompiler.Progress.NONE).get(0).status())
                    .isEqualTo(FileOutcome.Status.COMPILED);
            assertThat(look(here, script)).as("the other host's compile against the new helper").isNotNull()
                    .extracting(FileOutcome::status).isEqualTo(FileOutcome.Status.FILE_CACHE);
            assertThat(segment.statistics().compiles()).isZero();
        }
    }

    /** {@code uses.java} in {@code root}, using lib/Helper.java, which answers {@code greeting}; both aged. */
    private static Path scriptUsingHelper(Path root, String greeting) throws IOException {
        Files.createDirectories(root.resolve("lib"));
        aged(Files.writeString(root.resolve("lib/Helper.java"), "package lib;\npublic final class Helper {\n"
                + "    public static String greeting() { return \"" + greeting + "\"; }\n}\n"));
        return aged(Scripts.write(root, "uses", "response.write(lib.Helper.greeting());"));
    }
}
