package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.opcached.daemon.testing.BackdatedSources;
import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.protocol.segment.SegmentFiles;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * PHP semantics for shared code: an edit of a docroot file that scripts are compiled against
 * reaches every script that uses it, in every worker, within revalidate_freq; a script never runs
 * against another version of a dependency than the one it was compiled against (no stale
 * constant, no NoSuchMethodError); a broken dependency is a 500 with its diagnostics for each user
 * until it is fixed. One pool of two workers; each test works on files of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SharedCodeTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    /** The compiler's line for a batch that compiled one source (its root) and nothing else. */
    private static final String ROOT_ONLY = "batch of 1 roots: 1 sources compiled, 0 failed";
    private final BackdatedSources sources = new BackdatedSources();

    private Path docroot;
    private PoolProcess pool;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        docroot = Files.createDirectories(dir.resolve("www"));
        write("index.java", "public class index implements dev.opcached.script.Script {\n"
                + "    public void handle(dev.opcached.script.Request q, dev.opcached.script.Response r) { r.write(\"up\"); }\n}\n");
        pool = PoolProcess.start(docroot, dir.resolve("shm"), "shared", 2, "opcache.revalidate_freq=0",
                "display_errors=1");
    }

    @AfterAll
    void stop() throws Exception {
        if (pool != null) {
            pool.close();
        }
    }

    /**
     * Workers map the segment file read-only and write only its activity file; the compiler, the
     * pool's writer of entries, maps both read-write (the kernel's view: /proc/PID/maps).
     */
    @Test
    void workersMapTheEntriesReadOnlyAndOnlyTheCompilerWritesThem() throws Exception {
        assertThat(pool.get("/index.java").body()).isEqualTo("up");
        String segment = pool.segment().toString();
        String activity = SegmentFiles.activityPath(pool.segment()).toString();
        java.util.regex.Matcher workers = java.util.regex.Pattern.compile("worker-\\d started, pid (\\d+)")
                .matcher(pool.supervisor().output());
        int seen = 0;
        while (workers.find()) {
            Path maps = Path.of("/proc", workers.group(1), "maps");
            if (Files.exists(maps)) {
                assertThat(mappingModes(maps, segment)).as("worker %s, segment file", workers.group(1)).containsOnly("r--s");
                assertThat(mappingModes(maps, activity)).as("worker %s, activity file", workers.group(1)).containsOnly("rw-s");
                seen++;
            }
        }
        assertThat(seen).isEqualTo(2);
        String compiler = pool.supervisor().awaitLine("compiler started, pid (\\d+)", DEADLINE).group(1);
        assertThat(mappingModes(Path.of("/proc", compiler, "maps"), segment)).containsOnly("rw-s");
    }

    /** The permissions of every mapping of {@code file} in a /proc/PID/maps. */
    private static Set<String> mappingModes(Path maps, String file) throws Exception {
        Set<String> modes = new HashSet<>();
        for (String line : Files.readAllLines(maps)) {
            if (line.endsWith(" " + file)) {
                modes.add(line.split("\\s+")[1]);
            }
        }
        assertThat(modes).as("%s maps %s", maps, file).isNotEmpty();
        return modes;
    }

    private Path write(String relative, String source) throws Exception {
        return sources.write(docroot, relative, source);
    }

    private static String script(String name, String pkg, String body) {
        return "import dev.opcached.script.*;\n" + (pkg == null ? "" : "import " + pkg + ".*;\n")
                + "public class " + name + " implements Script {\n"
                + "    public void handle(Request request, Response response) throws Exception {\n"
                + "        " + body + "\n    }\n}\n";
    }

    /** Waits for {@code expected} from one worker, then asks until both workers have answered it, every answer the same. */
    private void awaitEverywhere(String path, String expected) throws Exception {
        pool.awaitResponse(path, r -> r.statusCode() == 200 && r.body().equals(expected), DEADLINE);
        Set<String> workers = new HashSet<>();
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (workers.size() < 2 && System.nanoTime() - deadline < 0) {
            HttpResponse<String> response = pool.get(path);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.body()).as("every answer after the first new one").isEqualTo(expected);
            workers.add(response.headers().firstValue("X-Opcached-Worker").orElseThrow());
        }
        assertThat(workers).as("workers that answered %s", expected).hasSize(2);
    }

    @Test
    void aChangedConstantReachesItsUsersInEveryWorker() throws Exception {
        write("consts/Limits.java", "package consts;\npublic class Limits { public static final int MAX = 1; }\n");
        write("limit.java", script("limit", "consts", "response.write(\"max=\" + Limits.MAX);"));
        awaitEverywhere("/limit.java", "max=1");

        write("consts/Limits.java", "package consts;\npublic class Limits { public static final int MAX = 22; }\n");
        awaitEverywhere("/limit.java", "max=22");
    }

    /**
     * The second page is compiled against the current unit of the module (javac reads its class
     * files), and its unit must link and run against that unit in both workers; after an edit of
     * the module the first page's miss compiles the module again, and the second page's miss
     * then reads the new module's class files, so that the new constant reaches it as well.
     */
    @Test
    void aPageCompiledAgainstACurrentModulesClassFilesRunsAndSeesTheModulesEdits() throws Exception {
        write("cur/Widget.java", "package cur;\npublic class Widget {\n    public static final int V = 1;\n"
                + "    public static String tag() { return Tag.text() + Nested.N; }\n"
                + "    public static final class Nested { public static final int N = 5; }\n}\n"
                + "final class Tag { static String text() { return \"tag\"; } }\n");
        write("curA.java", script("curA", "cur", "response.write(\"a\" + Widget.V + Widget.tag());"));
        write("curB.java", script("curB", "cur", "response.write(\"b\" + Widget.V + Widget.tag() + Widget.Nested.N);"));
        awaitEverywhere("/curA.java", "a1tag5");
        int rootOnly = pool.count(ROOT_ONLY);
        awaitEverywhere("/curB.java", "b1tag55");
        assertThat(pool.count(ROOT_ONLY)).as("curB.java compiled alone").isEqualTo(rootOnly + 1);

        write("cur/Widget.java", "package cur;\npublic class Widget {\n    public static final int V = 2;\n"
                + "    public static String tag() { return Tag.text() + Nested.N; }\n"
                + "    public static final class Nested { public static final int N = 6; }\n}\n"
                + "final class Tag { static String text() { return \"tag\"; } }\n");
        awaitEverywhere("/curA.java", "a2tag6");
        rootOnly = pool.count(ROOT_ONLY);
        awaitEverywhere("/curB.java", "b2tag66");
        assertThat(pool.count(ROOT_ONLY)).as("curB.java compiled alone again").isEqualTo(rootOnly + 1);
    }

    @Test
    void aChangedSignatureIsACompileErrorOfItsUsersNeverANoSuchMethodError() throws Exception {
        write("sig/Greeter.java", "package sig;\npublic class Greeter { public static String greet(String who) { return \"hi \" + who; } }\n");
        write("greet.java", script("greet", "sig", "response.write(Greeter.greet(\"ann\"));"));
        awaitEverywhere("/greet.java", "hi ann");

        write("sig/Greeter.java", "package sig;\npublic class Greeter { public static String greet(String who, int n) { return \"hi \" + who + n; } }\n");
        HttpResponse<String> broken = pool.awaitResponse("/greet.java", r -> r.statusCode() == 500, DEADLINE);
        assertThat(broken.body()).contains("greet.java").contains("error").doesNotContain("NoSuchMethodError");

        write("greet.java", script("greet", "sig", "response.write(Greeter.greet(\"bob\", 2));"));
        awaitEverywhere("/greet.java", "hi bob2");
    }

    @Test
    void aNewClassInADependencyIsSeen() throws Exception {
        write("grow/Base.java", "package grow;\npublic class Base { public static String name() { return \"base\"; } }\n");
        write("grow.java", script("grow", "grow", "response.write(Base.name());"));
        awaitEverywhere("/grow.java", "base");

        write("grow/Extra.java", "package grow;\npublic class Extra { public static String name() { return \"extra\"; } }\n");
        write("grow/Base.java", "package grow;\npublic class Base { public static String name() { return \"base+\" + Extra.name(); } }\n");
        awaitEverywhere("/grow.java", "base+extra");
    }

    @Test
    void aDeletedDependencyIsACompileErrorAndItsReturnServesAgain() throws Exception {
        Path helper = write("gone/Helper.java", "package gone;\npublic class Helper { public static String help() { return \"helped\"; } }\n");
        write("needs.java", script("needs", "gone", "response.write(Helper.help());"));
        awaitEverywhere("/needs.java", "helped");

        Files.delete(helper);
        HttpResponse<String> missing = pool.awaitResponse("/needs.java", r -> r.statusCode() == 500, DEADLINE);
        assertThat(missing.body()).contains("needs.java").contains("Helper");

        write("gone/Helper.java", "package gone;\npublic class Helper { public static String help() { return \"back\"; } }\n");
        awaitEverywhere("/needs.java", "back");
    }

    @Test
    void aBrokenDependencyIs500ForEveryUserUntilItIsFixed() throws Exception {
        write("brk/Shared.java", "package brk;\npublic class Shared { public static String v() { return \"v1\"; } }\n");
        write("userOne.java", script("userOne", "brk", "response.write(\"one \" + Shared.v());"));
        write("userTwo.java", script("userTwo", "brk", "response.write(\"two \" + Shared.v());"));
        awaitEverywhere("/userOne.java", "one v1");
        awaitEverywhere("/userTwo.java", "two v1");

        write("brk/Shared.java", "package brk;\npublic class Shared { public static String v() { return undefinedName; } }\n");
        for (String user : new String[] {"/userOne.java", "/userTwo.java"}) {
            HttpResponse<String> broken = pool.awaitResponse(user, r -> r.statusCode() == 500, DEADLINE);
            assertThat(broken.body()).as(user).contains("Shared.java").contains("undefinedName");
        }

        write("brk/Shared.java", "package brk;\npublic class Shared { public static String v() { return \"v2\"; } }\n");
        awaitEverywhere("/userOne.java", "one v2");
        awaitEverywhere("/userTwo.java", "two v2");
    }

    @Test
    void invalidatingADependencyInvalidatesWhatWasCompiledAgainstItAndSaysWhich() throws Exception {
        write("inv/Dep.java", "package inv;\npublic class Dep { public static String v() { return \"dep\"; } }\n");
        write("invA.java", script("invA", "inv", "response.write(\"a \" + Dep.v());"));
        write("invB.java", script("invB", "inv", "response.write(\"b \" + Dep.v());"));
        write("invC.java", script("invC", null, "response.write(\"c\");"));
        awaitEverywhere("/invA.java", "a dep");
        awaitEverywhere("/invB.java", "b dep");
        awaitEverywhere("/invC.java", "c");

        String depPath = docroot.resolve("inv/Dep.java").toRealPath().toString();
        JsonNode answer = admin("/invalidate", "{\"paths\":[\"" + depPath + "\"],\"force\":true}");
        Set<String> dependents = new HashSet<>();
        answer.get("dependents").forEach(node -> dependents.add(node.asText()));
        assertThat(dependents).containsExactlyInAnyOrder(docroot.resolve("invA.java").toRealPath().toString(),
                docroot.resolve("invB.java").toRealPath().toString());
        awaitEverywhere("/invA.java", "a dep");
    }

    private JsonNode admin(String route, String body) throws Exception {
        String token = Files.readString(pool.tokenFile()).trim();
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(pool.adminUrl() + route))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return new ObjectMapper().readTree(response.body());
    }
}
