package dev.opcached.protocol.segment.processes;

import dev.opcached.protocol.segment.HeaderLayout;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentAccess;
import dev.opcached.protocol.testing.ChildMain;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.file.Path;
import net.openhft.chronicle.bytes.BytesStore;

/**
 * Child JVM that attaches as a worker does ({@link SegmentAccess#READER}) and then does what a
 * hostile script with reflection and raw memory access would: reaches the segment file's mapping
 * and writes the header's generation through it. Prints "writing" before the write and "wrote"
 * if it returned; a read-only mapping must never let it print the second.
 */
public final class RawMappingWriter {
    public static void main(String[] args) throws Exception {
        ChildMain.watchParent(null);
        try (Segment segment = Segment.attach(Path.of(args[0]), SegmentAccess.READER)) {
            Field file = Segment.class.getDeclaredField("file");
            file.setAccessible(true);
            Object segmentFile = file.get(segment);
            Method bytes = segmentFile.getClass().getDeclaredMethod("bytes");
            bytes.setAccessible(true);
            BytesStore<?, ?> mapping = (BytesStore<?, ?>) bytes.invoke(segmentFile);
            System.out.println("writing");
            System.out.flush();
            try {
                mapping.writeLong(HeaderLayout.GENERATION_OFFSET, 999_999);
                System.out.println("wrote");
            } catch (Throwable refused) {
                System.out.println("refused " + refused);
            }
        }
    }
}
