package dev.opcached.daemon.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The {@code cause} of {@code opcached_worker_restarts_total}: what a worker's {@code retiring
 * REASON} maps to, the label values docs/admin-api.md lists, and counts kept by cause.
 */
class WorkerRestartsTest {
    @Test
    void eachReasonAWorkerRetiresForHasItsCauseAndAnyOtherIsACrash() {
        assertThat(WorkerRestarts.Cause.ofRetiring("recycle")).isEqualTo(WorkerRestarts.Cause.RECYCLE);
        assertThat(WorkerRestarts.Cause.ofRetiring("request_terminate_timeout")).isEqualTo(WorkerRestarts.Cause.TIMEOUT);
        assertThat(WorkerRestarts.Cause.ofRetiring("vendor-jars-changed")).isEqualTo(WorkerRestarts.Cause.VENDOR_JARS);
        // An Error the worker cannot go on after retires under the error's simple name.
        assertThat(WorkerRestarts.Cause.ofRetiring("OutOfMemoryError")).isEqualTo(WorkerRestarts.Cause.CRASH);
        assertThat(WorkerRestarts.Cause.ofRetiring("")).isEqualTo(WorkerRestarts.Cause.CRASH);
    }

    @Test
    void theLabelValuesAreTheOnesTheAdminApiDocumentLists() throws Exception {
        String row = Files.readAllLines(Path.of("..", "docs", "admin-api.md")).stream()
                .filter(line -> line.startsWith("| `opcached_worker_restarts_total` |")).findFirst().orElseThrow();
        String documented = row.split("\\|")[3].strip();
        assertThat(Arrays.stream(WorkerRestarts.Cause.values()).map(WorkerRestarts.Cause::label))
                .containsExactly("crash", "recycle", "timeout", "unresponsive", "segment_lost", "vendor_jars")
                .allSatisfy(label -> assertThat(documented).contains("`" + label + "`"));
    }

    @Test
    void everyCauseIsCountedOnItsOwnAndZerosAreKept() {
        WorkerRestarts restarts = new WorkerRestarts();
        restarts.count(WorkerRestarts.Cause.RECYCLE);
        restarts.count(WorkerRestarts.Cause.RECYCLE);
        restarts.count(WorkerRestarts.Cause.TIMEOUT);
        assertThat(restarts.total()).isEqualTo(3);
        assertThat(restarts.byCause()).hasSize(WorkerRestarts.Cause.values().length)
                .containsEntry(WorkerRestarts.Cause.RECYCLE, 2L).containsEntry(WorkerRestarts.Cause.TIMEOUT, 1L)
                .containsEntry(WorkerRestarts.Cause.CRASH, 0L);
    }
}
