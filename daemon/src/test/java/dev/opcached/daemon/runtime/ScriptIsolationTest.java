package dev.opcached.daemon.runtime;

import dev.opcached.daemon.testing.Jars;
import dev.opcached.daemon.testing.LocalRuntime;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opcached.daemon.testing.GetRequest;
import dev.opcached.daemon.testing.Scripts;
import dev.opcached.protocol.segment.EpochClock;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scripts are guests: they compile and link against the JDK, the script API and vendor/*.jar only. */
class ScriptIsolationTest {
    @TempDir
    Path dir;
    private Path docroot;
    private Segment segment;

    @BeforeEach
    void segment() throws IOException {
        docroot = Files.createDirectories(dir.resolve("www"));
        segment = Segment.create(dir.resolve("test.seg"), new SegmentConfig(8 << 20, 64, 5));
    }

    @AfterEach
    void close() throws IOException {
        segment.close();
    }

    private ScriptRuntime runtime() throws IOException {
        return LocalRuntime.of(segment, docroot, CachePolicy.singleRun());
    }

    private String run(ScriptRuntime runtime, Path script) throws Exception {
        BufferedResponse response = new BufferedResponse();
        Path file = script.toRealPath();
        runtime.instantiate(runtime.loadMain(file), file).handle(new GetRequest("/"), response);
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    @Test
    void aScriptNamingOurInternalsOrOurLibrariesDoesNotCompile() throws Exception {
        ScriptRuntime runtime = runtime();
        int n = 0;
        for (String internal : List.of("dev.opcached.protocol.segment.Segment", "io.netty.buffer.ByteBuf",
                "com.fasterxml.jackson.databind.ObjectMapper", "dev.opcached.daemon.runtime.ScriptRuntime",
                "com.sun.tools.javac.api.JavacTool")) {
            Path script = Scripts.write(docroot, "Names" + n++, "response.write(String.valueOf(" + internal + ".class));");
            assertThatThrownBy(() -> runtime.load(script.toRealPath()))
                    .as(internal).isInstanceOfSatisfying(ScriptException.class, e -> assertThat(e.diagnostics())
                            .anyMatch(line -> line.contains("error: package " + internal.substring(0, internal.lastIndexOf('.'))
                                    + (internal.startsWith("com.sun.") ? " is not visible" : " does not exist"))));
        }
        Path api = Scripts.write(docroot, "Api", "response.write(Script.class.getName() + \" \" + java.util.List.of(1));");
        assertThat(run(runtime, api)).isEqualTo("dev.opcached.script.Script [1]");
    }

    @Test
    void aScriptCannotLoadOurClassesByName() throws Exception {
        Path script = Scripts.write(docroot, "Reflects", "for (String name : new String[] {"
                + "\"dev.opcached.protocol.segment.Segment\", \"io.netty.channel.Channel\", \"dev.opcached.script.Script\"}) {"
                + " try { Class.forName(name); response.write(name + \" found;\"); }"
                + " catch (ClassNotFoundException e) { response.write(name + \" not found;\"); } }");
        assertThat(run(runtime(), script)).isEqualTo("dev.opcached.protocol.segment.Segment not found;"
                + "io.netty.channel.Channel not found;dev.opcached.script.Script found;");
    }

    @Test
    void aClassFromTheDocrootsVendorJarsIsUsable() throws Exception {
        Files.createDirectories(docroot.resolve("vendor"));
        Jars.write(docroot.resolve("vendor/greeter.jar"), "acme.Greeter",
                "package acme; public final class Greeter { public static String greet(String who) { return \"hello \" + who; } }");
        Path script = Scripts.write(docroot, "Greets", "response.write(acme.Greeter.greet(\"guest\"));");
        assertThat(run(runtime(), script)).isEqualTo("hello guest");
    }
}
