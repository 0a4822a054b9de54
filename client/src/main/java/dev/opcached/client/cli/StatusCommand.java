package dev.opcached.client.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.opcached.client.OpcachedClient;
import dev.opcached.protocol.admin.StatusReport;
import dev.opcached.protocol.admin.StatusResponse;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentAttachException;
import dev.opcached.protocol.segment.SegmentReader;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code opcachectl status}: memory, hit rate, scripts, restarts, workers, uptime; once, or watched. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Shows a pool's cache status, like cachetool opcache:status; with --all, one table of every pool.",
                "With --watch, refreshes it every --interval seconds, like top (on a terminal, in place), with the",
                "requests per second and the hit rate since the previous refresh; a pool that fails is shown failing",
                "and asked again. Ctrl-C ends the watch (exit 0).",
                "With --segment, reads it straight from the segment file (read-only; no token, works while the",
                "supervisor is wedged)."})
final class StatusCommand implements Callable<Integer> {
    /** The interval of a watch without --interval. */
    static final double DEFAULT_INTERVAL_SECONDS = 2;
    /** The shortest interval of a watch: a tenth of a second already asks a pool ten times a second. */
    static final double MIN_INTERVAL_SECONDS = 0.1;
    /** The longest interval of a watch. */
    static final double MAX_INTERVAL_SECONDS = 3600;

    @ParentCommand
    Opcachectl parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print the server's JSON unchanged; with --watch, one JSON line per refresh.")
    boolean json;

    @Option(names = "--segment", paramLabel = "FILE", description = "Read this segment file instead of calling the endpoint.")
    Path segment;

    @Option(names = "--watch", description = "Refresh until Ctrl-C (or --count refreshes).")
    boolean watch;

    @Option(names = "--interval", paramLabel = "SECONDS",
            description = "Seconds between refreshes of --watch, from 0.1 to 3600 (default: 2).")
    String interval;

    @Option(names = "--count", paramLabel = "N",
            description = "End --watch after N refreshes, with the exit code of the last (default: until Ctrl-C).")
    Long count;

    @Override
    public Integer call() throws Exception {
        if (!watch && (interval != null || count != null)) {
            throw usage((interval != null ? "--interval" : "--count") + " needs --watch");
        }
        if (segment != null) {
            if (watch) {
                throw usage("--watch cannot be combined with --segment: watch the endpoint, or run status --segment again");
            }
            return fromSegment();
        }
        if (watch) {
            return watch();
        }
        if (parent.several() && !json) {
            return table();
        }
        return parent.execute(json, client -> {
            OpcachedClient.Reply<StatusResponse> reply = client.status(false);
            return Opcachectl.Outcome.ok(Formats.status(reply.value(), System.currentTimeMillis() / 1000), reply.json());
        });
    }

    /** --all: one table of every pool; each failure also on stderr, named by its pool, as other --all commands do. */
    private int table() {
        List<Opcachectl.PoolAnswer<OpcachedClient.Reply<StatusResponse>>> answers = parent.callEach(client -> client.status(false));
        List<PoolStatus> pools = answers.stream().map(answer -> answer.value() == null ? PoolStatus.failed(answer)
                : PoolStatus.answered(answer.target(), answer.value(), StatusRates.NONE)).toList();
        parent.spec.commandLine().getOut().print(PoolsTable.of(pools, false));
        parent.spec.commandLine().getOut().flush();
        answers.stream().filter(answer -> answer.value() == null).forEach(parent::reportFailure);
        parent.spec.commandLine().getErr().flush();
        return pools.stream().mapToInt(PoolStatus::exitCode).max().orElse(Opcachectl.OK);
    }

    private int watch() {
        double seconds = intervalSeconds();
        if (count != null && count < 1) {
            throw usage("--count must be at least 1, got " + count + " (without --count, the watch runs until Ctrl-C)");
        }
        boolean several = parent.several();
        List<Target> targets = parent.targets();
        StatusWatch.View view = json ? (pools, now) -> StatusJson.line(pools, several, now)
                : several ? (pools, now) -> PoolsTable.of(pools, true)
                : (pools, now) -> watched(pools.get(0), now / 1000);
        WatchScreen.Mode mode = json ? WatchScreen.Mode.LINES
                : parent.onTerminal() ? WatchScreen.Mode.TERMINAL : WatchScreen.Mode.PLAIN;
        String what = "opcachectl " + (several ? "--all status" : "status " + targets.get(0).url()) + ", every "
                + seconds(seconds) + " s";
        StatusWatch.Calls calls = () -> parent.callEach(targets, client -> {
            OpcachedClient.Reply<StatusResponse> reply = client.status(false);
            return new StatusWatch.Timed(reply, System.nanoTime());
        });
        return new StatusWatch(calls, view, new WatchScreen(mode, parent.spec.commandLine().getOut()), what,
                Duration.ofNanos(Math.round(seconds * 1e9)),
                count == null ? 0 : count, parent.watchStop(), System::nanoTime, System::currentTimeMillis).run();
    }

    /** One pool in a watch: its rates above its status, or why it has none this time. */
    private static String watched(PoolStatus pool, long nowSeconds) {
        if (pool.status() == null) {
            return "opcachectl: " + pool.error() + System.lineSeparator() + "(asked again at every refresh)"
                    + System.lineSeparator();
        }
        return Formats.rates(pool.rates()) + Formats.status(pool.status(), nowSeconds);
    }

    /** --interval, bounded: a watch that asks too often loads the pool, one that asks too rarely shows nothing. */
    private double intervalSeconds() {
        if (interval == null) {
            return DEFAULT_INTERVAL_SECONDS;
        }
        double seconds;
        try {
            seconds = Double.parseDouble(interval);
        } catch (NumberFormatException e) {
            seconds = Double.NaN;
        }
        if (!(seconds >= MIN_INTERVAL_SECONDS && seconds <= MAX_INTERVAL_SECONDS)) {
            throw usage("--interval must be a number of seconds from " + seconds(MIN_INTERVAL_SECONDS) + " to "
                    + seconds(MAX_INTERVAL_SECONDS) + ", got '" + interval + "'");
        }
        return seconds;
    }

    /** Seconds as people write them: 2, 0.5. */
    private static String seconds(double seconds) {
        return BigDecimal.valueOf(seconds).stripTrailingZeros().toPlainString();
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    private int fromSegment() throws Exception {
        StatusResponse status;
        try (SegmentReader readOnly = Segment.openReadOnly(segment)) {
            status = StatusReport.of(readOnly, false, List.of());
        } catch (SegmentAttachException e) {
            parent.spec.commandLine().getErr().println("opcachectl: " + e.getMessage());
            return Opcachectl.SERVER_ERROR;
        }
        parent.spec.commandLine().getOut().print(json ? new ObjectMapper().writeValueAsString(status) + System.lineSeparator()
                : Formats.status(status, System.currentTimeMillis() / 1000));
        parent.spec.commandLine().getOut().flush();
        return Opcachectl.OK;
    }
}
