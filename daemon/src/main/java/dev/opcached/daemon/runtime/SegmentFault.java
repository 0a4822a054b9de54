package dev.opcached.daemon.runtime;

import dev.opcached.protocol.segment.SegmentLostException;

/**
 * Recognises the failure of a segment operation whose file was truncated or removed under this
 * process: the segment's own {@link SegmentLostException}, or the JVM's {@link InternalError} for
 * a fault on the mapping that JIT-compiled code reports late, after the segment call returned.
 */
public final class SegmentFault {
    private SegmentFault() {
    }

    /** Whether {@code failure} means the segment is lost (see {@link SegmentLostException#isMappingFault}). */
    public static boolean isSegmentLost(Throwable failure) {
        return failure instanceof SegmentLostException || SegmentLostException.isMappingFault(failure);
    }
}
