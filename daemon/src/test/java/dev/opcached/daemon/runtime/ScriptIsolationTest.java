package dev.opcached.daemon.runtime;

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
        writeJar(docroot.resolve("vendor/greeter.jar"), "acme.Greeter",
                "package acme; public final class Greeter { public static String greet(String who) { return \"hello \" + who; } }");
        Path script = Scripts.write(docroot, "Greets", "response.write(acme.Greeter.greet(\"guest\"));");
        assertThat(run(runtime(), script)).isEqualTo("hello guest");
    }

    /** Compiles one class with javax.tools and writes it alone into a jar. */
    private static void writeJar(Path jar, String className, String source) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        Map<String, java.io.ByteArrayOutputStream> outputs = new java.util.HashMap<>();
        JavaFileObject unit = new SimpleJavaFileObject(URI.create("string:///" + className.replace('.', '/') + ".java"),
                JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source;
            }
        };
        var standard = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8);
        var manager = new javax.tools.ForwardingJavaFileManager<>(standard) {
            @Override
            public JavaFileObject getJavaFileForOutput(Location location, String name, JavaFileObject.Kind kind,
                                                       javax.tools.FileObject sibling) {
                return new SimpleJavaFileObject(URI.create("mem:///" + name + kind.extension), kind) {
                    @Override
                    public OutputStream openOutputStream() {
                        return outputs.computeIfAbsent(name, n -> new java.io.ByteArrayOutputStream());
                    }
                };
            }
        };
        assertThat(javac.getTask(null, manager, null, new ArrayList<>(List.of("-proc:none")), null, List.of(unit)).call())
                .isTrue();
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (Map.Entry<String, java.io.ByteArrayOutputStream> output : outputs.entrySet()) {
                out.putNextEntry(new JarEntry(output.getKey().replace('.', '/') + ".class"));
                out.write(output.getValue().toByteArray());
                out.closeEntry();
            }
        }
    }
}
