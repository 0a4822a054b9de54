package dev.opcached.protocol.segment.processes;

import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentConfig;
import java.nio.file.Path;

/** Child JVM that creates a segment, prints "created", and lives until killed or its stdin closes. */
public final class SegmentCreator {
    public static void main(String[] args) throws Exception {
        dev.opcached.protocol.testing.ChildMain.watchParent(null);
        Segment segment = Segment.create(Path.of(args[0]), new SegmentConfig(1 << 20, 64, 5));
        System.out.println("created");
        Thread.sleep(Long.MAX_VALUE);
        segment.close();
    }
}
