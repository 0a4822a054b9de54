package dev.opcached.daemon.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes test scripts into a docroot. */
public final class Scripts {
    private Scripts() {
    }

    /** A script named {@code name} that answers {@code body} as text. */
    public static Path text(Path docroot, String name, String body) throws IOException {
        return write(docroot, name, "response.header(\"Content-Type\", \"text/plain\");\n"
                + "        response.write(\"" + body.replace("\"", "\\\"") + "\");");
    }

    /** A script named {@code name} whose handle method is {@code code}. */
    public static Path write(Path docroot, String name, String code) throws IOException {
        String source = "import dev.opcached.script.*;\n"
                + "public class " + name + " implements Script {\n"
                + "    public void handle(Request request, Response response) throws Exception {\n"
                + "        " + code + "\n"
                + "    }\n"
                + "}\n";
        return Files.writeString(docroot.resolve(name + ".java"), source);
    }
}
