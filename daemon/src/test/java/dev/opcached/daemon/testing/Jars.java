package dev.opcached.daemon.testing;

import static org.assertj.core.api.Assertions.assertThat;

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

/** Writes vendor jars for test docroots. */
public final class Jars {
    private Jars() {
    }

    /** Compiles one class with javax.tools and writes it alone into a jar. */
    public static void write(Path jar, String className, String source) throws IOException {
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
