package dev.opcached.protocol.segment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A source file's modification time and size: what timestamp validation compares.
 *
 * @param mtimeMillis modification time, epoch milliseconds
 * @param size        size in bytes
 */
public record SourceStamp(long mtimeMillis, long size) {

    /** The file's current stamp, or null when it does not exist or cannot be read. */
    public static SourceStamp of(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return new SourceStamp(attributes.lastModifiedTime().toMillis(), attributes.size());
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Whether an entry compiled with this metadata still matches this stamp. */
    public boolean matches(EntryMetadata metadata) {
        return metadata.sourceMtimeMillis() == mtimeMillis && metadata.sourceSize() == size;
    }
}
