package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.PoolProcess;
import dev.opcached.daemon.testing.Scripts;
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
 * One real pool (supervisor + 2 worker JVMs) answering real HTTP requests. The tests share it and
 * are independent of each other and of their order: none stops a worker, each uses scripts of its
 * own. Tests that replace workers are in {@link WorkerReplacementTest}; the HTTP handling that needs
 * no process is tested on an EmbeddedChannel (ScriptHandlerTest).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PoolEndToEndTest {
    private Path docroot;
    private PoolProcess pool;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        docroot = Files.createDirectories(dir.resolve("www"));
        Scripts.text(docroot, "hello", "hello");
        Files.createDirectories(docroot.resolve("sub"));
        Scripts.text(docroot.resolve("sub"), "index", "sub index");
        pool = PoolProcess.start(docroot, dir.resolve("shm"), "e2e", 2,
                "opcache.revalidate_freq=1", "opcache.file_update_protection=0", "display_errors=1",
                "opcached.worker_java_options=-Xmx256m -Dopcached.example=on");
    }

    @AfterAll
    void stop() throws Exception {
        if (pool != null) {
            pool.close();
        }
    }

    @Test
    void scriptAnswersWithItsWorkersPid() throws Exception {
        HttpResponse<String> response = pool.get("/hello.java");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hello");
        assertThat(response.headers().firstValue("X-Opcached-Worker")).isPresent();
        assertThat(pool.get("/sub/").body()).as("a directory serves its index.java").isEqualTo("sub index");
        assertThat(pool.get("/sub/index.java?x=1").body()).isEqualTo("sub index");
        Scripts.write(docroot, "jvm", "response.write(System.getProperty(\"opcached.example\") + \" \""
                + " + Runtime.getRuntime().maxMemory() / (1024 * 1024));");
        assertThat(pool.get("/jvm.java").body()).as("opcached.worker_java_options reach the workers")
                .matches("on 2\\d\\d");
    }

    @Test
    void everyWorkerServesAndTheScriptIsCompiledOnceForThePool() throws Exception {
        Path script = Scripts.text(docroot, "shared", "shared");
        long compilesBefore = pool.statistics().compiles();
        Set<String> workers = new HashSet<>();
        pool.awaitResponse("/shared.java", response -> {
            assertThat(response.body()).isEqualTo("shared");
            workers.add(response.headers().firstValue("X-Opcached-Worker").orElseThrow());
            return workers.size() == 2;
        }, Duration.ofSeconds(60));
        assertThat(pool.statistics().compiles() - compilesBefore).as("compilations of %s", script).isEqualTo(1);
        assertThat(pool.count("compiled " + script.toRealPath())).isEqualTo(1);
        assertThat(pool.statistics().hits()).isPositive();
    }

    @Test
    void editedScriptIsServedOnceRevalidateFreqHasPassed() throws Exception {
        Scripts.text(docroot, "edited", "version one");
        assertThat(pool.get("/edited.java").body()).isEqualTo("version one");
        Scripts.text(docroot, "edited", "version two, longer");
        pool.awaitResponse("/edited.java", response -> response.body().equals("version two, longer"), Duration.ofSeconds(20));
    }

    @Test
    void deletedScriptIs404OnceRevalidated() throws Exception {
        Path script = Scripts.text(docroot, "doomed", "alive");
        assertThat(pool.get("/doomed.java").body()).isEqualTo("alive");
        Files.delete(script);
        pool.awaitResponse("/doomed.java", response -> response.statusCode() == 404, Duration.ofSeconds(20));
    }

    @Test
    void compileErrorAnswers500WithDiagnosticsAndTheWorkerKeepsServing() throws Exception {
        Scripts.write(docroot, "broken", "response.write(undefinedVariable);");
        HttpResponse<String> broken = pool.get("/broken.java");
        assertThat(broken.statusCode()).isEqualTo(500);
        assertThat(broken.body()).contains("broken.java:4: error:").contains("undefinedVariable");
        assertThat(pool.get("/hello.java").statusCode()).isEqualTo(200);
        // The worker's log reaches the supervisor's output through a relay of its own: wait for it.
        pool.supervisor().awaitLine(java.util.regex.Pattern.quote("compile of " + docroot.resolve("broken.java").toRealPath()
                + " failed"), Duration.ofSeconds(20));
    }

    @Test
    void exceptionInAScriptAnswers500AndIsLoggedWithItsStackTrace() throws Exception {
        Scripts.write(docroot, "thrower", "throw new IllegalStateException(\"boom in script\");");
        HttpResponse<String> response = pool.get("/thrower.java");
        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).contains("IllegalStateException: boom in script");
        assertThat(pool.supervisor().output()).contains("java.lang.IllegalStateException: boom in script")
                .contains("thrower.handle(thrower.java:4)");
        assertThat(pool.get("/hello.java").statusCode()).isEqualTo(200);
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderOnOneConnection() throws Exception {
        Scripts.text(docroot, "first", "one");
        Scripts.text(docroot, "second", "two");
        String responses = pool.raw("GET /first.java HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /second.java HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /hello.java HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(responses.split("HTTP/1.1 200 OK", -1)).hasSize(4);
        assertThat(responses.indexOf("\r\n\r\none")).isLessThan(responses.indexOf("\r\n\r\ntwo"));
        assertThat(responses.indexOf("\r\n\r\ntwo")).isLessThan(responses.indexOf("\r\n\r\nhello"));
    }
}
