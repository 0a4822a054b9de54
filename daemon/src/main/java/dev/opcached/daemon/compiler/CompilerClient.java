package dev.opcached.daemon.compiler;

import dev.opcached.daemon.compile.CompilerUnavailableException;
import dev.opcached.daemon.compile.FileOutcome;
import dev.opcached.daemon.compile.PoolCompiler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the pool's compiler process over its channel (docs/compiler-channel.md); a new connection
 * per call (a Unix socket connects in microseconds, a compile takes milliseconds, and a fresh
 * connection never meets a compiler that was restarted behind it). A compiler that is not
 * listening, or that dies mid-answer (it is being restarted), is tried again every
 * {@value #RETRY_MILLIS} ms for the files still without an outcome, until the deadline; past it,
 * or when the compiler answers that it cannot compile, {@link CompilerUnavailableException}.
 * Outcomes come only from the compiler, never made up here.
 */
public final class CompilerClient implements PoolCompiler {
    /** The wait between two attempts to reach a compiler that is not there. */
    static final long RETRY_MILLIS = 50;
    /** Closes connections at their deadline, which ends a blocked read. */
    private static final ScheduledExecutorService DEADLINES = Executors.newSingleThreadScheduledExecutor(
            new DefaultThreadFactory("compiler-client-deadline", true));

    private static final Logger LOG = LoggerFactory.getLogger(CompilerClient.class);

    private final Path socket;

    /** @param socket the compiler channel's socket (the supervisor gives it to workers as --compiler-socket) */
    public CompilerClient(Path socket) {
        this.socket = socket;
    }

    public Path socket() {
        return socket;
    }

    /**
     * {@inheritDoc}
     *
     * @param deadlineMillis how long this call may take, in milliseconds from now
     * @throws IllegalArgumentException the compiler refused the request itself (a path that is not
     *                                  an absolute, normal path in the docroot, say); the message is its answer
     */
    @Override
    public List<FileOutcome> compile(List<Path> realPaths, long deadlineMillis, Progress progress)
            throws CompilerUnavailableException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(deadlineMillis);
        Set<String> wanted = new LinkedHashSet<>();
        realPaths.forEach(path -> wanted.add(path.toString()));
        Map<String, FileOutcome> known = new HashMap<>();
        String problem = "no attempt";
        while (known.size() < wanted.size()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new CompilerUnavailableException("the pool's compiler on " + socket + " gave no outcome for "
                        + (wanted.size() - known.size()) + " of " + wanted.size() + " files within " + deadlineMillis
                        + " ms (" + problem + "); if it keeps failing, see the compiler's lines in the supervisor's log");
            }
            List<String> open = wanted.stream().filter(path -> !known.containsKey(path)).toList();
            try {
                attempt(open, left, known, progress);
            } catch (IOException e) {
                // not listening (being restarted), or gone mid-answer: the files without outcome again
                problem = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                LOG.debug("the compiler on {} did not answer ({}); trying again for {} files", socket, problem,
                        wanted.size() - known.size());
                pause(deadline);
            }
        }
        List<FileOutcome> outcomes = new ArrayList<>(realPaths.size());
        realPaths.forEach(path -> outcomes.add(known.get(path.toString())));
        return outcomes;
    }

    /**
     * What {@code ping} tells of the compiler listening now.
     *
     * @param pid         its process id
     * @param protocol    the channel protocol's version it speaks
     * @param queuedPaths paths waiting for the next batch (with repeats): non-zero while a batch runs
     */
    public record Pong(long pid, int protocol, int queuedPaths, int runningPaths) {
    }

    /**
     * Asks the compiler listening now, once one answers (a compiler being restarted is waited for).
     *
     * @throws CompilerUnavailableException none answered within {@code deadlineMillis}
     */
    public Pong ping(long deadlineMillis) throws CompilerUnavailableException {
        ChannelMessages.Pong pong = exchange(ChannelMessages.Request.ping(), ChannelMessages.Answer::pong, deadlineMillis);
        return new Pong(pong.pid(), pong.protocol(), pong.queued(), pong.running());
    }

    @Override
    public boolean discard(Path realPath, long ref, long deadlineMillis) throws CompilerUnavailableException {
        return exchange(ChannelMessages.Request.discard(realPath.toString(), ref), ChannelMessages.Answer::discarded,
                deadlineMillis).invalidated();
    }

    /**
     * A request with one answer line: sent to the compiler listening now, once one answers; the
     * answer's field that {@code expected} takes must be set, or the answer is reported as wrong.
     */
    private <T> T exchange(ChannelMessages.Request request, Function<ChannelMessages.Answer, T> expected,
                           long deadlineMillis) throws CompilerUnavailableException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(deadlineMillis);
        String problem = "no attempt";
        while (System.nanoTime() - deadline < 0) {
            try (SocketChannel channel = connect()) {
                ScheduledFuture<?> closer = closeAt(channel, deadline - System.nanoTime());
                try {
                    Channels.newOutputStream(channel).write(ChannelMessages.line(request));
                    ChannelMessages.Answer answer = read(new FrameReader(Channels.newInputStream(channel),
                            ChannelMessages.MAX_ANSWER_LINE));
                    T value = expected.apply(answer);
                    if (value == null) {
                        throw new CompilerUnavailableException("the compiler on " + socket + " answered " + request.op()
                                + " with " + describe(answer));
                    }
                    return value;
                } finally {
                    closer.cancel(false);
                }
            } catch (IOException e) {
                problem = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                pause(deadline);
            }
        }
        throw new CompilerUnavailableException("no compiler answered on " + socket + " within " + deadlineMillis
                + " ms (" + problem + ")");
    }

    private SocketChannel connect() throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
            return channel;
        } catch (IOException e) {
            channel.close();
            throw new IOException("cannot connect: " + e.getMessage(), e);
        }
    }

    /** One connection: sends the request for {@code open}, takes outcomes until the end marker. */
    private void attempt(List<String> open, long leftNanos, Map<String, FileOutcome> known, Progress progress)
            throws IOException, CompilerUnavailableException {
        try (SocketChannel channel = connect()) {
            ScheduledFuture<?> closer = closeAt(channel, leftNanos);
            try {
                OutputStream out = Channels.newOutputStream(channel);
                long deadlineMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(leftNanos));
                out.write(ChannelMessages.line(ChannelMessages.Request.compile(open, deadlineMillis)));
                FrameReader frames = new FrameReader(Channels.newInputStream(channel), ChannelMessages.MAX_ANSWER_LINE);
                Set<String> asked = Set.copyOf(open);
                while (true) {
                    ChannelMessages.Answer answer = read(frames);
                    if (answer.outcome() != null) {
                        FileOutcome outcome = answer.outcome();
                        if (!asked.contains(outcome.path()) || known.containsKey(outcome.path())) {
                            throw new CompilerUnavailableException("the compiler on " + socket
                                    + " answered with an outcome for a file not asked, or twice: " + outcome.path());
                        }
                        known.put(outcome.path(), outcome);
                        progress.done(outcome);
                    } else if (answer.end() != null) {
                        return;
                    } else if (answer.error() != null) {
                        ChannelMessages.Failure failure = answer.error();
                        if (ChannelMessages.Failure.BAD_REQUEST.equals(failure.kind())) {
                            throw new IllegalArgumentException("the pool's compiler refused the request: "
                                    + failure.message());
                        }
                        throw new CompilerUnavailableException("the pool's compiler on " + socket + " could not compile: "
                                + failure.message());
                    } else {
                        throw new CompilerUnavailableException("the compiler on " + socket + " answered a compile with "
                                + describe(answer));
                    }
                }
            } finally {
                closer.cancel(false);
            }
        }
    }

    private static ChannelMessages.Answer read(FrameReader frames) throws IOException, CompilerUnavailableException {
        byte[] frame = frames.next();
        if (frame == null) {
            throw new IOException("the compiler closed the connection before its answer ended");
        }
        try {
            return ChannelMessages.answer(frame);
        } catch (ChannelMessages.MalformedFrameException e) {
            throw new CompilerUnavailableException("the compiler sent an answer this client cannot read: "
                    + e.getMessage() + ": " + ChannelMessages.excerpt(frame, 200));
        }
    }

    private static String describe(ChannelMessages.Answer answer) {
        return answer.error() != null ? "an error: " + answer.error().message() : "an unexpected frame";
    }

    private static ScheduledFuture<?> closeAt(SocketChannel channel, long leftNanos) {
        return DEADLINES.schedule(() -> {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing is all that is wanted
            }
        }, leftNanos, TimeUnit.NANOSECONDS);
    }

    private static void pause(long deadlineNanos) throws CompilerUnavailableException {
        long wait = Math.min(TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS), deadlineNanos - System.nanoTime());
        if (wait <= 0) {
            return;
        }
        try {
            TimeUnit.NANOSECONDS.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompilerUnavailableException("interrupted while waiting for the pool's compiler", e);
        }
    }
}
