package dev.opcached.protocol.segment;

import java.nio.file.Path;

/**
 * A write, or a read that has no empty answer (statistics, verify), was asked of a segment this
 * process has closed. Reads that have one answer it instead (a miss, false, nothing).
 */
public final class SegmentClosedException extends SegmentException {
    private static final long serialVersionUID = 1L;

    SegmentClosedException(Path path) {
        super("segment " + path + " is closed in this process; use the pool's current segment");
    }
}
