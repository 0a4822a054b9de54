package dev.opcached.daemon.compiler;

import dev.opcached.daemon.compile.CompilerUnavailableException;
import dev.opcached.daemon.compile.FileOutcome;
import dev.opcached.daemon.compile.PoolCompiler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A test engine for {@link CompilerServer}: records each call's paths, answers COMPILED for every
 * file (FAILED for names containing "broken"), reporting each outcome as it goes, and records
 * discards; the first call
 * can be held until the test lets it go, and a file named "slow" holds its call likewise.
 */
final class RecordingEngine implements PoolCompiler {
    final List<List<Path>> calls = new CopyOnWriteArrayList<>();
    /** Each discard asked: the path and the ref. */
    final List<String> discards = new CopyOnWriteArrayList<>();
    final CountDownLatch firstCallStarted = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    private final boolean holdFirstCall;
    volatile RuntimeException failWith;

    RecordingEngine(boolean holdFirstCall) {
        this.holdFirstCall = holdFirstCall;
    }

    @Override
    public List<FileOutcome> compile(List<Path> realPaths, long deadlineMillis, Progress progress)
            throws CompilerUnavailableException {
        calls.add(List.copyOf(realPaths));
        boolean first = calls.size() == 1;
        firstCallStarted.countDown();
        if (failWith != null) {
            throw failWith;
        }
        List<FileOutcome> outcomes = new ArrayList<>();
        for (Path path : realPaths) {
            if ((first && holdFirstCall && outcomes.size() == 1) || path.getFileName().toString().startsWith("slow")) {
                await();
            }
            boolean broken = path.getFileName().toString().contains("broken");
            FileOutcome outcome = new FileOutcome(path.toString(), broken ? FileOutcome.Status.FAILED
                    : FileOutcome.Status.COMPILED, broken ? List.of(path + ":1: error: broken") : List.of(), null, 1);
            outcomes.add(outcome);
            progress.done(outcome);
        }
        if (first && holdFirstCall && outcomes.size() == 1) {
            await();
        }
        return outcomes;
    }

    /** Records the discard; only a ref of 42 names an entry that is still the file's. */
    @Override
    public boolean discard(Path realPath, long ref, long deadlineMillis) {
        discards.add(realPath + "#" + ref);
        return ref == 42;
    }

    private void await() throws CompilerUnavailableException {
        try {
            if (!release.await(60, TimeUnit.SECONDS)) {
                throw new CompilerUnavailableException("test engine never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompilerUnavailableException("interrupted", e);
        }
    }
}
