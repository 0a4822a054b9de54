import dev.opcached.script.Request;
import dev.opcached.script.Response;
import dev.opcached.script.Script;

/** Greets ?name= (or the world), as text. */
public class hello implements Script {
    @Override
    public void handle(Request request, Response response) {
        String name = request.param("name");
        response.header("Content-Type", "text/plain; charset=utf-8");
        response.write("Hello, " + (name == null || name.isBlank() ? "world" : name) + "!\n");
    }
}
