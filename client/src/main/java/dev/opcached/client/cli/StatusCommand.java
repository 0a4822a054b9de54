package dev.opcached.client.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.opcached.client.OpcachedClient;
import dev.opcached.protocol.admin.StatusReport;
import dev.opcached.protocol.admin.StatusResponse;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentAttachException;
import dev.opcached.protocol.segment.SegmentReader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code opcachectl status}: memory, hit rate, scripts, restarts, workers, uptime. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Shows a pool's cache status, like cachetool opcache:status.",
                "With --segment, reads it straight from the segment file (read-only; no token, works while the",
                "supervisor is wedged)."})
final class StatusCommand implements Callable<Integer> {
    @ParentCommand
    Opcachectl parent;

    @Option(names = "--json", description = "Print the server's JSON unchanged.")
    boolean json;

    @Option(names = "--segment", paramLabel = "FILE", description = "Read this segment file instead of calling the endpoint.")
    Path segment;

    @Override
    public Integer call() throws Exception {
        if (segment != null) {
            return fromSegment();
        }
        return parent.execute(json, client -> {
            OpcachedClient.Reply<StatusResponse> reply = client.status(false);
            return Opcachectl.Outcome.ok(Formats.status(reply.value(), System.currentTimeMillis() / 1000), reply.json());
        });
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
