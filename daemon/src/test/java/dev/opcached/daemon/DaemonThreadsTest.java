package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every thread of the main code comes from a thread factory: Netty's {@code DefaultThreadFactory}
 * in the daemon, the protocol's {@code DaemonThreadFactory} where there is no Netty. A thread
 * made by hand is easily left non-daemon, and then holds the JVM's exit.
 */
class DaemonThreadsTest {
    /**
     * Ways to a thread without a factory: by hand, a Timer, or an executor of Executors given no
     * ThreadFactory (no argument, or a size alone).
     */
    private static final Pattern BY_HAND = Pattern.compile("new Thread\\(|setDaemon\\(|new Timer\\("
            + "|Executors\\.new\\w+\\(\\s*\\)|Executors\\.new(Fixed|Scheduled)ThreadPool\\(\\s*[^,()]+\\)");
    private static final Path FACTORY = Path.of("..", "protocol", "src", "main", "java", "dev", "opcached", "protocol",
            "common", "DaemonThreadFactory.java");

    @Test
    void thePatternFindsEachWayToAThreadWithoutAFactory() {
        for (String line : List.of("new Thread(() -> { })", "t.setDaemon(true)", "new Timer(true)",
                "Executors.newSingleThreadExecutor()", "Executors.newCachedThreadPool( )",
                "Executors.newFixedThreadPool(4)", "Executors.newScheduledThreadPool(threads)")) {
            assertThat(BY_HAND.matcher(line).find()).as(line).isTrue();
        }
        for (String line : List.of("Executors.newSingleThreadExecutor(new DefaultThreadFactory(\"x\", true))",
                "Executors.newFixedThreadPool(4, factory)", "Executors.newScheduledThreadPool(1, factory)")) {
            assertThat(BY_HAND.matcher(line).find()).as(line).isFalse();
        }
    }

    @Test
    void noMainCodeMakesAThreadByHandOutsideTheFactory() throws IOException {
        List<String> byHand;
        try (Stream<Path> sources = Stream.of("protocol", "daemon", "client")
                .flatMap(module -> walk(Path.of("..", module, "src", "main", "java")))) {
            byHand = sources.filter(source -> !source.equals(FACTORY))
                    .flatMap(source -> lines(source).stream()
                            .filter(line -> BY_HAND.matcher(line).find())
                            .map(line -> source + ": " + line.strip()))
                    .toList();
        }
        assertThat(Files.exists(FACTORY)).as(FACTORY.toString()).isTrue();
        assertThat(byHand).isEmpty();
    }

    private static Stream<Path> walk(Path root) {
        try {
            return Files.walk(root).filter(file -> file.toString().endsWith(".java"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> lines(Path source) {
        try {
            return Files.readAllLines(source);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
