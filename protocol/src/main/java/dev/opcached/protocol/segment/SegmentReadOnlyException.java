package dev.opcached.protocol.segment;

import java.nio.file.Path;

/**
 * A write was asked of a segment this process maps with {@link SegmentAccess#READER} or
 * {@link SegmentAccess#OBSERVER} access: only the pool's writers (its supervisor and its
 * compiler) store, invalidate, reset or mark compiles.
 */
public final class SegmentReadOnlyException extends SegmentException {
    private static final long serialVersionUID = 1L;

    public SegmentReadOnlyException(Path path, SegmentAccess access) {
        super("segment " + path + " is mapped " + access + ": only the pool's writers (supervisor, compiler) write its entries");
    }
}
