package dev.opcached.daemon.worker;

import io.netty.channel.Channel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How this worker ends, once, whoever asks first (SIGTERM, a request timeout, an
 * OutOfMemoryError): stop accepting (close the listening socket, answer with Connection: close),
 * tell the supervisor so that it starts the replacement now, let the requests in flight finish
 * within process_control_timeout, then exit with the code that says why. A recycle
 * (pm.max_requests) is gentler: the worker only asks for its replacement and serves on until the
 * supervisor's SIGTERM, which comes once the replacement listens, so that a pool of one worker
 * never has a moment with no one accepting.
 */
final class WorkerRetirement {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerRetirement.class);

    private final ReportPipe reports;
    private final InFlightRequests inFlight;
    private final ServedRequests served;
    private final long drainMillis;
    private final IntConsumer exit;
    private final AtomicBoolean retiring = new AtomicBoolean();
    private final AtomicBoolean recycling = new AtomicBoolean();
    private volatile Channel listening;

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

    /** Whether the worker is going: answers then close their connections. */
    boolean retiring() {
        return retiring.get();
    }

    /** Retires for {@code reason}, told to the supervisor, and exits with {@code exitCode}. */
    void retire(String reason, int exitCode) {
        end(reason, exitCode, true);
    }

    /** pm.max_requests reached: asks once for a replacement and serves on until SIGTERM. */
    void recycle() {
        if (!retiring.get() && recycling.compareAndSet(false, true)) {
            reports.retiring("recycle");
        }
    }

    /** Stops as the supervisor asked (SIGTERM): nothing to tell it; exits 0. */
    void stop() {
        end("stopped", WorkerExit.NORMAL, false);
    }

    private void end(String reason, int exitCode, boolean tellSupervisor) {
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
        while (inFlight.count() > 0 && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                break;
            }
        }
        LOG.info("{} after {} requests; {} still in flight", reason, served.count(), inFlight.count());
        exit.accept(exitCode);
    }
}
