package dev.opcached.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.testing.Scripts;
import dev.opcached.protocol.testing.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code opcached run}: PHP's CLI SAPI, a private cache made for the run and gone with it. */
class RunCommandTest {
    @TempDir
    Path dir;

    @Test
    void runsAScriptWithItsArgumentsAsParametersAndLeavesNothingBehind() throws Exception {
        Path script = Scripts.write(dir, "greet", "response.write(\"hi \" + request.param(\"name\") + \" \" "
                + "+ request.params().get(\"argv\") + \" \" + request.method());");
        try (ChildJvm run = ChildJvm.start(Opcached.class, "run", script.toString(), "name=ada", "extra")) {
            assertThat(run.awaitExit(Duration.ofSeconds(60))).as(run.output()).isZero();
            assertThat(run.output()).contains("hi ada [name=ada, extra] CLI");
        }
    }

    @Test
    void brokenScriptExitsOneWithTheDiagnostics() throws Exception {
        Path script = Scripts.write(dir, "bad", "response.write(nope);");
        try (ChildJvm run = ChildJvm.start(Opcached.class, "run", script.toString())) {
            assertThat(run.awaitExit(Duration.ofSeconds(60))).isEqualTo(1);
            assertThat(run.output()).contains("bad.java:4: error: cannot find symbol");
        }
    }

    @Test
    void aScriptCannotExitTheRunItself() throws Exception {
        Path script = Scripts.write(dir, "quits", "System.exit(3);");
        try (ChildJvm run = ChildJvm.start(Opcached.class, "run", script.toString())) {
            assertThat(run.awaitExit(Duration.ofSeconds(60))).as(run.output()).isEqualTo(1);
            assertThat(run.output()).contains("a script may not end the worker: exit(3) refused");
        }
    }

    @Test
    void missingFileIsAUsageError() throws Exception {
        try (ChildJvm run = ChildJvm.start(Opcached.class, "run", dir.resolve("absent.java").toString())) {
            assertThat(run.awaitExit(Duration.ofSeconds(60))).isEqualTo(2);
            assertThat(run.output()).contains("no such file: " + dir.resolve("absent.java"));
        }
    }
}
