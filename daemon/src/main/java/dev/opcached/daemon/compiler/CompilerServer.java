package dev.opcached.daemon.compiler;

import dev.opcached.daemon.compile.CompilerUnavailableException;
import dev.opcached.daemon.compile.FileOutcome;
import dev.opcached.daemon.compile.PoolCompiler;
import dev.opcached.protocol.common.DocrootContainment;
import dev.opcached.protocol.common.LogText;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compiler process's end of the compiler channel (docs/compiler-channel.md): listens on the
 * pool's Unix domain socket, reads each connection's requests one after the other, answers at once
 * what needs no javac ({@link WithoutJavac}) and hands the rest to the {@link CompileBatcher},
 * sending each outcome as soon as it is known. A malformed request gets an error answer and the
 * connection goes on with the next one.
 */
public final class CompilerServer implements AutoCloseable {
    /**
     * A file's outcome when it needs no javac (current, from the file cache, gone), found on the
     * request's own thread; null: it goes to the next batch. Called from many threads at once.
     */
    @FunctionalInterface
    public interface WithoutJavac {
        WithoutJavac NEVER = (realPath, deadlineNanos) -> null;

        /**
         * @param deadlineNanos the request's deadline, on {@link System#nanoTime()}'s clock
         * @throws CompilerUnavailableException the outcome could not be known by then
         */
        FileOutcome outcome(Path realPath, long deadlineNanos) throws CompilerUnavailableException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(CompilerServer.class);
    /** Connections served at once; workers open one per compile, so this is far above what a pool needs. */
    static final int MAX_CONNECTIONS = 512;
    /** Paths in one request; more is a bad request (split it). */
    static final int MAX_PATHS = 100_000;
    /** deadline_ms's bound: a day. */
    static final long MAX_DEADLINE_MILLIS = TimeUnit.DAYS.toMillis(1);

    private final ServerSocketChannel listening;
    private final Path socket;
    private final DocrootContainment docroot;
    private final PoolCompiler engine;
    private final CompileBatcher batcher;
    private final WithoutJavac withoutJavac;
    private final ExecutorService connections = Executors.newCachedThreadPool(
            new DefaultThreadFactory("compiler-connection", true));
    private final Semaphore connectionPermits = new Semaphore(MAX_CONNECTIONS);
    private final Thread acceptor;

    private CompilerServer(ServerSocketChannel listening, Path socket, DocrootContainment docroot, PoolCompiler engine,
                           WithoutJavac withoutJavac) {
        this.listening = listening;
        this.socket = socket;
        this.docroot = docroot;
        this.engine = engine;
        this.withoutJavac = withoutJavac;
        this.batcher = new CompileBatcher(engine, new DefaultThreadFactory("compile-batch", true));
        this.acceptor = new DefaultThreadFactory("compiler-accept", true).newThread(this::accept);
    }

    /**
     * Binds {@code socket} and starts serving compiles of files in {@code docroot} with
     * {@code engine}. A file left at that path (by a compiler that was killed) is removed first:
     * the socket's directory is this pool's alone, so whatever is there is a predecessor's. The
     * socket gets the directory's group, and group read-write only when the directory lets its
     * group in (workers running as another user, see docs/compiler-channel.md).
     */
    public static CompilerServer start(Path socket, Path docroot, PoolCompiler engine) throws IOException {
        return start(socket, docroot, engine, WithoutJavac.NEVER);
    }

    /** The same, answering at once, without a batch, every file {@code withoutJavac} knows the outcome of. */
    public static CompilerServer start(Path socket, Path docroot, PoolCompiler engine, WithoutJavac withoutJavac)
            throws IOException {
        Path directory = socket.toAbsolutePath().getParent();
        DocrootContainment containment = new DocrootContainment(docroot);
        if (Files.isDirectory(socket, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("cannot bind the compiler socket " + socket + ": a directory is in its place");
        }
        if (Files.deleteIfExists(socket)) {
            LOG.info("removed the stale compiler socket {} (left by a compiler that did not stop)", socket);
        }
        ServerSocketChannel listening = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            listening.bind(UnixDomainSocketAddress.of(socket), MAX_CONNECTIONS);
            // By path, not through a no-follow view: that one opens the file, which a socket refuses.
            // The directory is this pool's alone, so no link can have been put in the socket's place.
            PosixFileAttributes directoryAttributes = Files.readAttributes(directory, PosixFileAttributes.class);
            Files.getFileAttributeView(socket, PosixFileAttributeView.class).setGroup(directoryAttributes.group());
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString(
                    directoryAttributes.permissions().contains(PosixFilePermission.GROUP_EXECUTE)
                            ? "rw-rw----" : "rw-------"));
        } catch (IOException | RuntimeException e) {
            listening.close();
            throw e;
        }
        CompilerServer server = new CompilerServer(listening, socket, containment, engine, withoutJavac);
        server.acceptor.start();
        return server;
    }

    public Path socket() {
        return socket;
    }

    /** Paths queued for the next batch, with repeats. */
    int queuedPaths() {
        return batcher.queuedPaths();
    }

    /** Engine calls made so far (each one batch). */
    public long batches() {
        return batcher.batches();
    }

    private void accept() {
        while (listening.isOpen()) {
            SocketChannel connection;
            try {
                connection = listening.accept();
            } catch (ClosedChannelException closed) {
                return;
            } catch (IOException e) {
                // out of file descriptors, say: pause rather than spin on the same failure
                LOG.warn("accepting on the compiler socket failed: {}", e.toString());
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    return;
                }
                continue;
            }
            if (!connectionPermits.tryAcquire()) {
                refuse(connection);
                continue;
            }
            connections.execute(() -> {
                try {
                    serve(connection);
                } finally {
                    connectionPermits.release();
                }
            });
        }
    }

    private static void refuse(SocketChannel connection) {
        try (connection) {
            Channels.newOutputStream(connection).write(ChannelMessages.line(ChannelMessages.Answer.unavailable(
                    "the compiler serves " + MAX_CONNECTIONS + " connections at most; try again")));
        } catch (IOException ignored) {
            // the client went first
        }
    }

    /** Serves one connection's requests in order until the client closes it. */
    private void serve(SocketChannel connection) {
        try (connection) {
            FrameReader frames = new FrameReader(Channels.newInputStream(connection), ChannelMessages.MAX_REQUEST_LINE);
            OutputStream out = Channels.newOutputStream(connection);
            while (true) {
                byte[] frame;
                try {
                    frame = frames.next();
                } catch (FrameReader.OversizedFrameException e) {
                    send(out, ChannelMessages.Answer.badRequest("request too large: " + e.getMessage()));
                    continue;
                }
                if (frame == null) {
                    return;
                }
                answer(frame, out);
            }
        } catch (IOException gone) {
            // the client closed its end (at its deadline, or it exited): nothing to answer
            LOG.debug("compiler connection ended: {}", gone.toString());
        }
    }

    private void answer(byte[] frame, OutputStream out) throws IOException {
        ChannelMessages.Request request;
        try {
            request = ChannelMessages.request(frame);
        } catch (ChannelMessages.MalformedFrameException e) {
            LOG.debug("malformed request on the compiler socket: {}", LogText.escape(e.getMessage()));
            send(out, ChannelMessages.Answer.badRequest(e.getMessage()));
            return;
        }
        String op = request.op();
        if ("ping".equals(op)) {
            if (request.paths() != null || request.deadlineMillis() != null || request.ref() != null) {
                send(out, ChannelMessages.Answer.badRequest("ping takes no paths, no deadline_ms and no ref"));
                return;
            }
            send(out, ChannelMessages.Answer.pong(new ChannelMessages.Pong(ProcessHandle.current().pid(),
                    ChannelMessages.PROTOCOL, batcher.queuedPaths(), batcher.runningPaths())));
        } else if ("compile".equals(op)) {
            compile(request, out);
        } else if ("discard".equals(op)) {
            discard(request, out);
        } else {
            send(out, ChannelMessages.Answer.badRequest("unknown op " + (op == null ? "(none)" : "\""
                    + LogText.escape(op) + "\"") + ": the ops are compile, discard and ping"));
        }
    }

    /** A worker found an entry unusable: the pool's writer invalidates it if it is still the file's. */
    private void discard(ChannelMessages.Request request, OutputStream out) throws IOException {
        String invalid = request.paths() == null || request.paths().size() != 1 ? "discard needs \"paths\": one real path"
                : request.ref() == null ? "discard needs \"ref\": the entry's ref"
                : request.deadlineMillis() != null ? "discard takes no deadline_ms" : invalidPath(request.paths().get(0));
        if (invalid != null) {
            send(out, ChannelMessages.Answer.badRequest(invalid));
            return;
        }
        boolean invalidated;
        try {
            invalidated = engine.discard(Path.of(request.paths().get(0)), request.ref(), MAX_DEADLINE_MILLIS);
        } catch (CompilerUnavailableException | RuntimeException e) {
            send(out, ChannelMessages.Answer.unavailable("cannot discard: " + e.getMessage()));
            return;
        }
        send(out, ChannelMessages.Answer.discarded(invalidated));
    }

    private void compile(ChannelMessages.Request request, OutputStream out) throws IOException {
        String invalid = invalid(request);
        if (invalid != null) {
            send(out, ChannelMessages.Answer.badRequest(invalid));
            return;
        }
        List<String> paths = new ArrayList<>(new LinkedHashSet<>(request.paths()));
        long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(request.deadlineMillis());
        // What needs no javac is answered here and now: a worker's miss after a reset (a load from
        // the file cache) waits for neither a javac batch nor another request's loads.
        List<String> toBatch = new ArrayList<>();
        int sent = 0;
        for (String path : paths) {
            if (System.nanoTime() - deadlineNanos >= 0) {
                send(out, ChannelMessages.Answer.unavailable("deadline_ms=" + request.deadlineMillis() + " passed after "
                        + sent + " of " + paths.size() + " outcomes; the rest was not looked at"));
                return;
            }
            FileOutcome known;
            try {
                known = known(path, deadlineNanos);
            } catch (CompilerUnavailableException e) {
                send(out, ChannelMessages.Answer.unavailable("deadline_ms=" + request.deadlineMillis() + " passed after "
                        + sent + " of " + paths.size() + " outcomes: " + e.getMessage()));
                return;
            }
            if (known == null) {
                toBatch.add(path);
            } else {
                send(out, ChannelMessages.Answer.of(known));
                sent++;
            }
        }
        if (toBatch.isEmpty()) {
            send(out, ChannelMessages.Answer.end(sent));
            return;
        }
        AnswerQueue answers = new AnswerQueue(sent);
        batcher.submit(toBatch, deadlineNanos, answers);
        while (true) {
            ChannelMessages.Answer answer;
            try {
                answer = answers.next(deadlineNanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (answer == null) {
                answers.abandon();
                send(out, ChannelMessages.Answer.unavailable("not compiled within deadline_ms="
                        + request.deadlineMillis() + " (" + sent + " of " + paths.size()
                        + " outcomes sent); the compile goes on for the cache"));
                return;
            }
            try {
                send(out, answer);
            } catch (IOException gone) {
                answers.abandon();
                throw gone;
            }
            if (answer.outcome() == null) {
                return; // end or error: the request is over
            }
            sent++;
        }
    }

    /** The outcome {@link #withoutJavac} knows for {@code path}, or null (also when it fails: the batch then says why). */
    private FileOutcome known(String path, long deadlineNanos) throws CompilerUnavailableException {
        try {
            return withoutJavac.outcome(Path.of(path), deadlineNanos);
        } catch (RuntimeException e) {
            LOG.warn("answering {} without javac failed; it goes to the next batch", LogText.escape(path), e);
            return null;
        }
    }

    /** What is wrong with a compile request, or null. */
    private String invalid(ChannelMessages.Request request) {
        if (request.paths() == null || request.paths().isEmpty()) {
            return "compile needs \"paths\": a non-empty list of real paths in the docroot";
        }
        if (request.ref() != null) {
            return "compile takes no ref (that is discard's)";
        }
        if (request.paths().size() > MAX_PATHS) {
            return "compile takes at most " + MAX_PATHS + " paths, not " + request.paths().size() + ": split it";
        }
        Long deadline = request.deadlineMillis();
        if (deadline == null || deadline < 1 || deadline > MAX_DEADLINE_MILLIS) {
            return "compile needs \"deadline_ms\" between 1 and " + MAX_DEADLINE_MILLIS + ": milliseconds the client"
                    + " waits, not " + deadline;
        }
        for (String path : request.paths()) {
            String invalid = invalidPath(path);
            if (invalid != null) {
                return invalid;
            }
        }
        return null;
    }

    /** What is wrong with a path of a request, or null. */
    private String invalidPath(String path) {
        if (path == null) {
            return "paths holds a null";
        }
        Path parsed;
        try {
            parsed = Path.of(path);
        } catch (InvalidPathException e) {
            return "path \"" + LogText.escape(path) + "\" is not a path: " + e.getReason();
        }
        if (!parsed.isAbsolute() || !parsed.normalize().equals(parsed) || !docroot.contains(parsed)) {
            return "path \"" + LogText.escape(path) + "\" is not an absolute, normal path in the docroot "
                    + docroot.root() + ": send real paths of files there";
        }
        return null;
    }

    private static void send(OutputStream out, ChannelMessages.Answer answer) throws IOException {
        out.write(ChannelMessages.line(answer));
    }

    /**
     * Stops accepting, closes every connection without a further answer (so that clients ask the
     * compiler that replaces this one, within their deadlines) and removes the socket file.
     */
    @Override
    public void close() throws IOException {
        listening.close();
        // connections first: an interrupted connection thread closes its channel before the
        // batch it waits on can fail and be answered
        connections.shutdownNow();
        batcher.close();
        Files.deleteIfExists(socket);
    }

    /** One request's answers, handed from the batch thread to the connection's thread (which may block on I/O). */
    private static final class AnswerQueue implements CompileBatcher.Waiter {
        private final LinkedBlockingQueue<ChannelMessages.Answer> answers = new LinkedBlockingQueue<>();
        private volatile boolean waiting = true;
        /** Outcomes of the request so far, those sent before it was queued included. */
        private int outcomes;

        AnswerQueue(int outcomesBefore) {
            this.outcomes = outcomesBefore;
        }

        @Override
        public void outcome(FileOutcome outcome) {
            outcomes++;
            answers.add(ChannelMessages.Answer.of(outcome));
        }

        @Override
        public void done() {
            answers.add(ChannelMessages.Answer.end(outcomes));
        }

        @Override
        public void failed(String message) {
            answers.add(ChannelMessages.Answer.unavailable(message));
        }

        @Override
        public boolean waiting() {
            return waiting;
        }

        void abandon() {
            waiting = false;
        }

        /** The next answer, or null at the deadline. */
        ChannelMessages.Answer next(long deadlineNanos) throws InterruptedException {
            return answers.poll(deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }
    }
}
