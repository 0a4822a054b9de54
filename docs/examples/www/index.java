import dev.opcached.script.Request;
import dev.opcached.script.Response;
import dev.opcached.script.Script;
import lib.Page;

/** The example pool's home page: what this worker is, and the other examples. */
public class index implements Script {
    @Override
    public void handle(Request request, Response response) {
        response.write(Page.header("opcached example pool"));
        response.write("<p>Served by worker pid " + ProcessHandle.current().pid() + ".</p>\n");
        response.write("<ul>\n");
        response.write("<li><a href=\"/hello.java?name=world\">/hello.java?name=world</a>: parameters</li>\n");
        response.write("<li><a href=\"/counter.java\">/counter.java</a>: state that lives as long as the worker</li>\n");
        response.write("</ul>\n");
        response.write(Page.footer());
    }
}
