package dev.opcached.daemon.compile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opcached.daemon.runtime.Blacklist;
import dev.opcached.daemon.runtime.CachePolicy;
import dev.opcached.daemon.runtime.ScriptSource;
import dev.opcached.daemon.testing.Jars;
import dev.opcached.daemon.testing.Scripts;
import dev.opcached.protocol.common.DocrootContainment;
import dev.opcached.protocol.segment.EpochClock;
import dev.opcached.protocol.segment.SourceStamp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failure is served again while what its javac pass depended on holds, for a minute at most, and not
 * once any of it changed: the file, a source the pass read, a directory it looked a class up in,
 * the vendor jars. The passes are real javac passes over real files; the clock is the test's.
 */
class RememberedOutcomesTest {
    @TempDir
    Path dir;
    private Path docroot;
    private DocrootBatchCompiler javac;
    private final AtomicLong nanos = new AtomicLong(1_000);
    private final AtomicLong generation = new AtomicLong(1);
    private RememberedOutcomes remembered;

    @BeforeEach
    void start() throws IOException {
        docroot = Files.createDirectories(dir.resolve("www")).toRealPath();
        Files.createDirectories(docroot.resolve("lib"));
        Files.writeString(docroot.resolve("lib/Helper.java"), "package lib;\npublic final class Helper {\n}\n");
        javac = new DocrootBatchCompiler(new DocrootContainment(docroot));
        // revalidate_freq 0: the period a failure of an unknown pass gets is the least one, 2 s.
        remembered = new RememberedOutcomes(new CachePolicy(true, 0, 0, 0, Blacklist.EMPTY, 30_000, 1),
                EpochClock.SYSTEM, generation::get, nanos::get);
    }

    /**
     * Sets every file and directory of the docroot 10 s back: older than the racy margin, as files
     * deployed before the request are, and a change since shows as a new mtime.
     */
    private void backdate() throws IOException {
        FileTime before = FileTime.fromMillis(System.currentTimeMillis() - 10_000);
        try (Stream<Path> all = Files.walk(docroot)) {
            for (Path path : all.toList()) {
                Files.setLastModifiedTime(path, before);
            }
        }
    }

    /** Compiles {@code script} (it must fail) and remembers its failure as the pool's compiler does. */
    private SourceStamp failAndRemember(Path script) throws IOException {
        backdate();
        return failAndRememberAsWritten(script);
    }

    /** {@link #failAndRemember}, the files' mtimes as they are. */
    private SourceStamp failAndRememberAsWritten(Path script) {
        SourceStamp stamp = ScriptSource.stamp(script);
        long compileGeneration = generation.get();
        SourceBatchCompiler.CompiledSource compiled = javac.compile(List.of(script), CurrentUnits.NONE).sources()
                .get(script);
        assertThat(compiled.failed()).as("%s compiles", script).isTrue();
        assertThat(compiled.failedPass()).as("what its pass depended on").isNotNull();
        remembered.rememberFailure(script, stamp, compiled.failedPass(), failure(script), compileGeneration);
        return stamp;
    }

    private static FileOutcome failure(Path script) {
        return new FileOutcome(script.toString(), FileOutcome.Status.FAILED, List.of(script + ":4: error: x"), null, 1);
    }

    private void later(long seconds) {
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
    }

    private FileOutcome recall(Path script) {
        return remembered.recall(script, ScriptSource.stamp(script));
    }

    @Test
    void aFailureIsServedAgainPastTheOldPeriodWhileNothingChangedForAMinuteAtMost() throws Exception {
        Path script = Scripts.write(docroot, "uses", "response.write(lib.Helper.greeting());");
        failAndRemember(script);
        later(3);
        assertThat(recall(script)).as("after 3 s").isNotNull();
        later(56);
        assertThat(recall(script)).as("after 59 s").isNotNull()
                .extracting(FileOutcome::status).isEqualTo(FileOutcome.Status.FAILED);
        later(2);
        assertThat(recall(script)).as("after 61 s: what no stamp records may have changed").isNull();
    }

    @Test
    void aResetForgetsAFailureThoughNothingChanged() throws Exception {
        Path script = Scripts.write(docroot, "uses", "response.write(lib.Helper.greeting());");
        failAndRemember(script);
        assertThat(recall(script)).as("before the reset").isNotNull();
        generation.incrementAndGet();
        assertThat(recall(script)).as("after the reset").isNull();
    }

    @Test
    void aFailureOfACompileThatBeganBeforeAResetIsForgotten() throws Exception {
        Path script = Scripts.write(docroot, "uses", "response.write(lib.Helper.greeting());");
        backdate();
        long compileGeneration = generation.get();
        SourceBatchCompiler.CompiledSource compiled = javac.compile(List.of(script), CurrentUnits.NONE).sources()
                .get(script);
        generation.incrementAndGet(); // the reset, while javac ran
        remembered.rememberFailure(script, ScriptSource.stamp(script), compiled.failedPass(), failure(script),
                compileGeneration);
        assertThat(recall(script)).as("remembered under the generation it began in").isNull();
    }

    @Test
    void aFailureIsDroppedOnceTheFileChanges() throws Exception {
        Path script = Scripts.write(docroot, "uses", "response.write(lib.Helper.greeting());");
        SourceStamp before = failAndRemember(script);
        Scripts.write(docroot, "uses", "response.write(lib.Helper.greeting2());");
        assertThat(ScriptSource.stamp(script)).isNotEqualTo(before);
        assertThat(recall(script)).isNull();
        assertThat(remembered.recall(script, before)).as("and forgotten, even for the old stamp").isNull();
    }

    @Test
    void aFailureIsDroppedOnceASourceItsPassReadChanges() throws Exception {
        Path script = Scripts.write(docroot, "uses", "response.write(lib.Helper.greeting());");
        failAndRemember(script);
        assertThat(recall(script)).isNotNull();
        Files.writeString(docroot.resolve("lib/Helper.java"), "package lib;\npublic final class Helper {\n"
                + "    public static String greeting() { return \"hi\"; }\n}\n");
        assertThat(recall(script)).as("the helper it uses was fixed").isNull();
    }

    @Test
    void aFailureIsDroppedOnceAFileAppearsInADirectoryItsPassLookedIn() throws Exception {
        // lib/Absent.java is looked for in lib/, which the pass lists, and is not there.
        Path script = Scripts.write(docroot, "absent", "response.write(lib.Absent.greeting());");
        failAndRemember(script);
        later(3);
        assertThat(recall(script)).isNotNull();
        Files.writeString(docroot.resolve("lib/Absent.java"), "package lib;\npublic final class Absent {\n"
                + "    public static String greeting() { return \"hi\"; }\n}\n");
        assertThat(recall(script)).as("the class it names may be there now").isNull();
    }

    @Test
    void aFailureIsDroppedOnceAPackageDirectoryItsPassFoundMissingAppears() throws Exception {
        // app/ is there (so that its parent, the docroot, does not change), app/model is not.
        Files.createDirectories(docroot.resolve("app"));
        Path script = Scripts.write(docroot, "nopackage", "response.write(app.model.Thing.name());");
        failAndRemember(script);
        assertThat(recall(script)).isNotNull();
        Files.createDirectories(docroot.resolve("app/model"));
        assertThat(recall(script)).isNull();
    }

    @Test
    void aFailureIsDroppedOnceAJarAppearsInTheVendorDirectory() throws Exception {
        // An empty vendor directory: only it changes when the jar is added.
        Files.createDirectories(docroot.resolve("vendor"));
        Path script = Scripts.write(docroot, "vendored", "response.write(com.example.Greeter.greeting());");
        failAndRemember(script);
        assertThat(recall(script)).isNotNull();
        Jars.write(docroot.resolve("vendor/greeter.jar"), "com.example.Greeter",
                "package com.example;\npublic final class Greeter {\n"
                        + "    public static String greeting() { return \"hi\"; }\n}\n");
        assertThat(recall(script)).isNull();
    }

    @Test
    void aFailureWhosePassIsNotKnownIsServedForTheOldPeriodOnly() throws Exception {
        Path script = Scripts.write(docroot, "unknown", "response.write(1);");
        remembered.rememberFailure(script, ScriptSource.stamp(script), null, failure(script), generation.get());
        later(1);
        assertThat(recall(script)).as("within 2 s").isNotNull();
        later(2);
        assertThat(recall(script)).as("past 2 s").isNull();
    }

    @Test
    void aFailureWithMoreInputsThanTheCapIsServedForTheOldPeriodOnly() throws Exception {
        Path script = Scripts.write(docroot, "many", "response.write(1);");
        backdate();
        for (int inputs : List.of(RememberedOutcomes.MAX_FAILURE_INPUTS, RememberedOutcomes.MAX_FAILURE_INPUTS + 1)) {
            Map<Path, PassInputs.DirectoryStamp> absent = new HashMap<>();
            for (int i = 0; i < inputs; i++) {
                absent.put(docroot.resolve("absent" + i), PassInputs.DirectoryStamp.ABSENT);
            }
            remembered.rememberFailure(script, ScriptSource.stamp(script), new PassInputs(Map.of(), Map.of(), absent,
                    System.currentTimeMillis()),
                    failure(script), generation.get());
            later(3);
            assertThat(recall(script) != null).as("%d inputs: served past 2 s", inputs)
                    .isEqualTo(inputs <= RememberedOutcomes.MAX_FAILURE_INPUTS);
        }
    }

    @Test
    void aFailureOfAJustWrittenFileIsServedForTheOldPeriodOnly() throws Exception {
        // Written now: a change in the same tick as its stamp, or its directory's, would not show.
        Path script = Scripts.write(docroot, "racy", "response.write(lib.Helper.greeting());");
        failAndRememberAsWritten(script);
        later(1);
        assertThat(recall(script)).as("within 2 s").isNotNull();
        later(2);
        assertThat(recall(script)).as("past 2 s").isNull();

        // The same file once its stamps are older than the margin: served past the period.
        failAndRemember(script);
        later(3);
        assertThat(recall(script)).as("its files 10 s old, past 2 s").isNotNull();
    }

    @Test
    void aRacyFailureIsNeverKeptLongerThanATrustedOneWhateverRevalidateFreqSays() throws Exception {
        // revalidate_freq 300 s: the short period would be 300 s, past the 60 s cap of a trusted failure.
        remembered = new RememberedOutcomes(new CachePolicy(true, 300_000, 0, 0, Blacklist.EMPTY, 30_000, 1),
                EpochClock.SYSTEM, generation::get, nanos::get);
        Path script = Scripts.write(docroot, "racy", "response.write(lib.Helper.greeting());");
        failAndRememberAsWritten(script);
        later(59);
        assertThat(recall(script)).as("within the cap").isNotNull();
        later(2);
        assertThat(recall(script)).as("past the cap, though revalidate_freq is 300 s").isNull();
    }
}
