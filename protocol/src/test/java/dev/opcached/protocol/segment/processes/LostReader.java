package dev.opcached.protocol.segment.processes;

import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentKey;
import dev.opcached.protocol.segment.SegmentLostException;
import dev.opcached.protocol.testing.ChildMain;
import java.nio.file.Path;

/**
 * Child JVM that looks a key up in a loop, as a worker's request threads do (long enough to be
 * JIT-compiled), prints "reading", and reports how the loss of the segment showed: "lost" for a
 * {@link SegmentLostException}, "fault" for the JVM's asynchronous InternalError that
 * {@link SegmentLostException#isMappingFault} recognises, "other ..." for anything else.
 */
public final class LostReader {
    public static void main(String[] args) throws Exception {
        ChildMain.watchParent(null);
        SegmentKey key = SegmentKey.of(args[1]);
        try (Segment segment = Segment.attach(Path.of(args[0]))) {
            long lookups = 0;
            boolean announced = false;
            int faults = 0;
            while (true) {
                try {
                    if (segment.lookup(key) == null) {
                        System.out.println("other: miss before the loss");
                        return;
                    }
                    if (++lookups == 2_000_000 && !announced) {
                        System.out.println("reading");
                        announced = true;
                    }
                } catch (SegmentLostException e) {
                    System.out.println("lost after " + faults + " asynchronous faults: " + e.getMessage());
                    return;
                } catch (InternalError e) {
                    if (!SegmentLostException.isMappingFault(e)) {
                        throw e;
                    }
                    faults++;
                } catch (Throwable e) {
                    System.out.println("other " + e);
                    return;
                }
            }
        }
    }
}
