package dev.opcached.daemon.supervisor;

import dev.opcached.daemon.control.ProcessFigures;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * What the processes of one slot (a worker slot, the compiler) counted, for the metrics: each
 * process counts while its report pipe is open, as it last reported; once its pipe has closed
 * (its last report read), its figures are added to those of the processes before it. So the
 * slot's figures only grow while the supervisor runs, whatever the order of a process's exit and
 * the reading of its last line.
 */
final class SlotFigures {
    private final Set<WorkerProcess> reporting = Collections.newSetFromMap(new IdentityHashMap<>());
    private ProcessFigures ended = ProcessFigures.NONE;

    /** A process of the slot started: it reports until its pipe closes. */
    synchronized void started(WorkerProcess process) {
        reporting.add(process);
    }

    /** Its report pipe closed: every report it sent has been read. */
    synchronized void pipeClosed(WorkerProcess process) {
        if (reporting.remove(process)) {
            ended = ended.plus(process.figures());
        }
    }

    synchronized ProcessFigures total() {
        ProcessFigures total = ended;
        for (WorkerProcess process : reporting) {
            total = total.plus(process.figures());
        }
        return total;
    }
}
