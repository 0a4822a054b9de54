package dev.opcached.daemon.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.accesslog.AccessLog;
import dev.opcached.daemon.control.SupervisorLine;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A worker ends once, the same way whoever asks: stop accepting, tell the supervisor, drain, exit. */
class WorkerRetirementTest {
    private final ByteArrayOutputStream pipe = new ByteArrayOutputStream();
    private final InFlightRequests inFlight = new InFlightRequests(0, System::nanoTime);
    private final ServedRequests served = new ServedRequests(0);
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final WorkerRetirement retirement = new WorkerRetirement(new ReportPipe(new SupervisorLine(pipe)), inFlight,
            served, Duration.ofSeconds(30).toMillis(), exit::complete);

    @Test
    void retiringClosesTheListenerTellsTheSupervisorAndExitsOnceTheRequestsAreAnswered() throws Exception {
        EmbeddedChannel listening = new EmbeddedChannel();
        retirement.listening(listening);
        InFlightRequests.InFlight request = inFlight.begin("GET", "/slow.java", timedOut -> { });
        retirement.retire("request_terminate_timeout", WorkerExit.REQUEST_TIMEOUT);
        retirement.retire("OutOfMemoryError", WorkerExit.FATAL_ERROR);
        retirement.stop();
        listening.runPendingTasks();
        assertThat(listening.isOpen()).as("no new connections").isFalse();
        assertThat(retirement.retiring()).isTrue();
        assertThat(pipe.toString(StandardCharsets.US_ASCII)).isEqualTo("retiring request_terminate_timeout\n");
        assertThat(exit).as("waits for the request in flight").isNotDone();
        request.finished();
        assertThat(exit.get(30, TimeUnit.SECONDS)).isEqualTo(WorkerExit.REQUEST_TIMEOUT);
    }

    @Test
    void aRequestTimeoutAsksForAReplacementAndKeepsAcceptingUntilSigterm() throws Exception {
        EmbeddedChannel listening = new EmbeddedChannel();
        retirement.listening(listening);
        retirement.replaceThenEnd("request_terminate_timeout", WorkerExit.REQUEST_TIMEOUT);
        retirement.replaceThenEnd("request_terminate_timeout", WorkerExit.REQUEST_TIMEOUT);
        retirement.recycle();
        listening.runPendingTasks();
        assertThat(pipe.toString(StandardCharsets.US_ASCII)).isEqualTo("retiring request_terminate_timeout\n");
        assertThat(listening.isOpen()).as("accepting until the replacement listens").isTrue();
        assertThat(retirement.retiring()).as("answers close their connections").isTrue();
        assertThat(exit).isNotDone();
        retirement.stop();
        listening.runPendingTasks();
        assertThat(listening.isOpen()).isFalse();
        assertThat(exit.get(30, TimeUnit.SECONDS)).isEqualTo(WorkerExit.REQUEST_TIMEOUT);
    }

    @Test
    void sigtermTellsTheSupervisorNothingButItsLastFigures() throws Exception {
        retirement.stop();
        assertThat(exit.get(30, TimeUnit.SECONDS)).isEqualTo(WorkerExit.NORMAL);
        assertThat(pipe.toString(StandardCharsets.US_ASCII)).startsWith("figures requests=0 ").endsWith("\n")
                .hasLineCount(1);
    }

    @Test
    void anOutOfMemoryErrorOnAConnectionRetiresTheWorker() throws Exception {
        WorkerContext worker = new WorkerContext(null, null, inFlight, served, retirement,
                new ReportPipe(new SupervisorLine(pipe)), "1", AccessLog.OFF);
        EmbeddedChannel connection = new EmbeddedChannel(new ScriptHandler(worker));
        connection.pipeline().fireExceptionCaught(new OutOfMemoryError("Java heap space"));
        assertThat(exit.get(30, TimeUnit.SECONDS)).isEqualTo(WorkerExit.FATAL_ERROR);
        assertThat(pipe.toString(StandardCharsets.US_ASCII).lines()).first().isEqualTo("retiring OutOfMemoryError");
        assertThat(pipe.toString(StandardCharsets.US_ASCII).lines()).as("then its last figures")
                .hasSize(2).last().asString().startsWith("figures ");
        assertThat(connection.isOpen()).isFalse();
    }
}
