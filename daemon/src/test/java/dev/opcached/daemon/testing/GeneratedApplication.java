package dev.opcached.daemon.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a generated application into a docroot, for compile tests and benchmarks: packages
 * {@code app00}, {@code app01}, … of classes {@code C00}, {@code C01}, …, each class using the next
 * class of its package, the same class of the next package and one class two packages on (so that
 * packages depend on each other in a ring), and the shared {@code util/Text.java}; the first class
 * of each package is a script page. About 60 lines a class, of the kinds real code has: a record,
 * generics, a lambda, a switch, string building, a constant from another file.
 */
public final class GeneratedApplication {
    /** 40 packages of 20 classes: the 800-file tree of the compile benchmarks. */
    public static final int PACKAGES = 40;
    public static final int CLASSES = 20;

    private GeneratedApplication() {
    }

    /** The 800-file tree; returns every source written, the shared util included, in path order. */
    public static List<Path> write(Path docroot) throws IOException {
        return write(docroot, PACKAGES, CLASSES);
    }

    /** {@code packages} packages of {@code classes} classes each, plus the shared util. */
    public static List<Path> write(Path docroot, int packages, int classes) throws IOException {
        List<Path> written = new ArrayList<>();
        written.add(file(docroot, "util/Text.java", """
                package util;

                import java.util.List;
                import java.util.function.Function;

                /** Shared helpers every generated class uses. */
                public final class Text {
                    public static final int WIDTH = 16;

                    private Text() {
                    }

                    public static String pad(String value) {
                        StringBuilder out = new StringBuilder(value);
                        while (out.length() < WIDTH) {
                            out.append('.');
                        }
                        return out.toString();
                    }

                    public static <T> String join(List<T> items, Function<T, String> show) {
                        StringBuilder out = new StringBuilder();
                        for (T item : items) {
                            if (out.length() > 0) {
                                out.append(", ");
                            }
                            out.append(show.apply(item));
                        }
                        return out.toString();
                    }
                }
                """));
        for (int p = 0; p < packages; p++) {
            for (int c = 0; c < classes; c++) {
                written.add(file(docroot, name(p) + "/" + simple(c) + ".java", source(p, c, packages, classes)));
            }
        }
        return written;
    }

    private static String name(int p) {
        return String.format("app%02d", p);
    }

    private static String simple(int c) {
        return String.format("C%02d", c);
    }

    private static String source(int p, int c, int packages, int classes) {
        String self = simple(c);
        String next = simple((c + 1) % classes);
        String across = name((p + 1) % packages) + "." + simple(c);
        String far = name((p + 2) % packages) + "." + simple((c + 7) % classes);
        boolean page = c == 0;
        String header = page
                ? "import dev.opcached.script.Request;\nimport dev.opcached.script.Response;\nimport dev.opcached.script.Script;\n"
                : "";
        String implementsScript = page ? " implements Script" : "";
        String handle = page ? """

                    @Override
                    public void handle(Request request, Response response) {
                        response.header("Content-Type", "text/plain");
                        response.write(describe(request.param("n") == null ? 3 : 4));
                    }
                """ : "";
        return """
                package %1$s;

                %2$simport java.util.ArrayList;
                import java.util.List;
                import util.Text;

                /** Generated class %1$s.%3$s. */
                public class %3$s%4$s {
                    public static final int SEED = %5$d + Text.WIDTH;

                    public record Item(String label, int weight) {
                    }

                    public static List<Item> items(int count) {
                        List<Item> items = new ArrayList<>();
                        for (int i = 0; i < count; i++) {
                            items.add(new Item(Text.pad("item" + i), (SEED * (i + 1)) %% 97));
                        }
                        return items;
                    }

                    public static int weight(int count) {
                        int total = 0;
                        for (Item item : items(count)) {
                            total += switch (item.weight() %% 3) {
                                case 0 -> item.weight();
                                case 1 -> item.weight() * 2;
                                default -> -item.weight();
                            };
                        }
                        return total;
                    }

                    public static String describe(int depth) {
                        if (depth <= 0) {
                            return "%3$s";
                        }
                        String mine = Text.join(items(2), item -> item.label() + "=" + item.weight());
                        return mine + " | " + %6$s.describe(depth - 1) + " | " + %7$s.weight(2)
                                + " | " + %8$s.SEED;
                    }
                %9$s}
                """.formatted(name(p), header, self, implementsScript, p * 100 + c, next, across, far, handle);
    }

    private static Path file(Path docroot, String relative, String text) throws IOException {
        Path file = docroot.resolve(relative);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }
}
