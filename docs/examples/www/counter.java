import dev.opcached.script.Request;
import dev.opcached.script.Response;
import dev.opcached.script.Script;
import java.util.concurrent.atomic.AtomicLong;

/** Counts its requests in a static field: one count per worker, reset when the script changes. */
public class counter implements Script {
    private static final AtomicLong REQUESTS = new AtomicLong();

    @Override
    public void handle(Request request, Response response) {
        response.header("Content-Type", "text/plain; charset=utf-8");
        response.write("request " + REQUESTS.incrementAndGet() + " of worker " + ProcessHandle.current().pid() + "\n");
    }
}
