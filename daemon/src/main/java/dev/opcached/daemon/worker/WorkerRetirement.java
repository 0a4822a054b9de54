package dev.opcached.daemon.worker;

import io.netty.channel.Channel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How this worker ends, once, whoever asks first. A worker that can go on (a request timeout,
 * pm.max_requests) only asks the supervisor for its replacement and serves on until the
 * supervisor's SIGTERM, which comes once the replacement listens, so that a pool of one worker
 * never has a moment with no one accepting; then, or at once when the worker cannot go on (an
 * OutOfMemoryError), it stops accepting (closes the listening socket, answers with Connection:
 * close), lets the requests in flight finish within process_control_timeout, and exits with the
 * code that says why.
 */
final class WorkerRetirement {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerRetirement.class);
    /** How long no connection may have shown life before an ending worker exits. */
    private static final long QUIET_NANOS = 200_000_000L;

    private final ReportPipe reports;
    private final InFlightRequests inFlight;
    private final ServedRequests served;
    private final long drainMillis;
    private final IntConsumer exit;
    private final AtomicBoolean retiring = new AtomicBoolean();
    private final AtomicBoolean recycling = new AtomicBoolean();
    /** Why the worker ends once the supervisor's SIGTERM comes, when it asked for its replacement. */
    private final AtomicReference<Ending> replaced = new AtomicReference<>();
    private volatile Channel listening;
    /** When a connection last showed life (accepted, or a request read) since the worker began to end. */
    private final AtomicLong lastActivityNanos = new AtomicLong();

    /** @param exit ends the process with a code ({@code Runtime.halt} in a worker) */
    WorkerRetirement(ReportPipe reports, InFlightRequests inFlight, ServedRequests served, long drainMillis,
                     IntConsumer exit) {
        this.reports = reports;
        this.inFlight = inFlight;
        this.served = served;
        this.drainMillis = drainMillis;
        this.exit = exit;
    }

    /** The listening socket, closed when the worker retires (at once if it already does). */
    void listening(Channel channel) {
        listening = channel;
        if (retiring.get()) {
            channel.close();
        }
    }

    private record Ending(String reason, int exitCode) {
    }

    /** Whether the worker is going, or waits for its replacement: answers then close their connections. */
    boolean retiring() {
        return retiring.get() || replaced.get() != null;
    }

    /** Retires for {@code reason}, told to the supervisor, and exits with {@code exitCode}. */
    void retire(String reason, int exitCode) {
        end(reason, exitCode, true);
    }

    /**
     * The worker can go on but should not for long (a runaway request holds a thread that cannot be
     * stopped): tells the supervisor {@code retiring REASON} once, keeps accepting, and ends for
     * {@code reason} with {@code exitCode} on the SIGTERM that comes once the replacement listens.
     */
    void replaceThenEnd(String reason, int exitCode) {
        if (!retiring.get() && replaced.compareAndSet(null, new Ending(reason, exitCode))) {
            reports.retiring(reason);
        }
    }

    /**
     * A connection was accepted or a request read. Counts only once the worker is ending: the drain
     * waits for a quiet moment as well as for the requests in flight, so that a connection accepted
     * just before the listening socket closed has its request read and answered, rather than reset
     * by the exit with its request unread. One read of a flag per request otherwise.
     */
    void activity() {
        if (retiring.get()) {
            lastActivityNanos.set(System.nanoTime());
        }
    }

    /** pm.max_requests reached: asks once for a replacement and serves on until SIGTERM. */
    void recycle() {
        if (!retiring() && recycling.compareAndSet(false, true)) {
            reports.retiring("recycle");
        }
    }

    /**
     * Stops as the supervisor asked (SIGTERM): nothing to tell it; exits 0, or as the replacement
     * it asked for said.
     */
    void stop() {
        Ending ending = replaced.get();
        if (ending == null) {
            end("stopped", WorkerExit.NORMAL, false);
        } else {
            end(ending.reason(), ending.exitCode(), false);
        }
    }

    private void end(String reason, int exitCode, boolean tellSupervisor) {
        lastActivityNanos.set(System.nanoTime());
        if (!retiring.compareAndSet(false, true)) {
            return;
        }
        Channel channel = listening;
        if (channel != null) {
            channel.close();
        }
        if (tellSupervisor) {
            reports.retiring(reason);
        }
        new DefaultThreadFactory("retire", true).newThread(() -> drainAndExit(reason, exitCode)).start();
    }

    private void drainAndExit(String reason, int exitCode) {
        long deadline = System.nanoTime() + drainMillis * 1_000_000;
        while ((inFlight.count() > 0 || System.nanoTime() - lastActivityNanos.get() < QUIET_NANOS)
                && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                break;
            }
        }
        LOG.info("{} after {} requests; {} still in flight", reason, served.count(), inFlight.count());
        reports.figures(served.figures()); // the last second's, which the metrics would otherwise miss
        exit.accept(exitCode);
    }
}
