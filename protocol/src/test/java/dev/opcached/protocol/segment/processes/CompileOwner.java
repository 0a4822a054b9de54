package dev.opcached.protocol.segment.processes;

import dev.opcached.protocol.segment.CompileClaim;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentKey;
import dev.opcached.protocol.testing.ChildMain;
import dev.opcached.protocol.testing.TestPayloads;
import java.nio.file.Path;

/**
 * Child JVM that claims the compile of a key and then, as told by args, stores it when its stdin
 * closes ("store") or never does ("hang"). Args: segment, path, mode. Prints "claim KIND".
 */
public final class CompileOwner {
    public static void main(String[] args) throws Exception {
        Segment segment = Segment.attach(Path.of(args[0]));
        SegmentKey key = SegmentKey.of(args[1]);
        boolean store = args[2].equals("store");
        ChildMain.watchParent(() -> {
            if (store) {
                segment.store(key, TestPayloads.metadata(1, 10), TestPayloads.payload(0, 1, 10));
                System.out.println("stored");
                System.out.flush();
            }
            Runtime.getRuntime().halt(0);
        });
        CompileClaim claim = segment.beginCompile(key, 60_000);
        System.out.println("claim " + claim.kind());
        Thread.sleep(Long.MAX_VALUE);
    }
}
