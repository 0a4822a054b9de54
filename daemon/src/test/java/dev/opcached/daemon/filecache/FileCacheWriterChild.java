package dev.opcached.daemon.filecache;

import dev.opcached.protocol.segment.EpochClock;
import dev.opcached.protocol.testing.ChildMain;
import dev.opcached.protocol.unit.Sha256;
import java.nio.file.Path;

/**
 * A child JVM for {@link FileCacheConcurrencyTest}: writes one key over and over with bodies of
 * different lengths, then prints its statistics. Arguments: directory, key file, key (hex),
 * writer number, writes.
 */
public final class FileCacheWriterChild {
    private FileCacheWriterChild() {
    }

    public static void main(String[] args) throws Exception {
        ChildMain.watchParent(null);
        FileCache cache = FileCache.open(new FileCacheConfig(Path.of(args[0]), Path.of(args[1]), false, 256 << 20),
                EpochClock.SYSTEM);
        Sha256 key = Sha256.parse(args[2]);
        int writer = Integer.parseInt(args[3]);
        int writes = Integer.parseInt(args[4]);
        for (int i = 0; i < writes; i++) {
            cache.write(Namespace.UNIT, key, FileCacheConcurrencyTest.variant(writer, i));
            cache.read(Namespace.UNIT, key);
        }
        FileCacheStatistics statistics = cache.statistics();
        System.out.println("done stores=" + statistics.stores() + " hits=" + statistics.hits()
                + " rejections=" + statistics.rejections() + " failures=" + statistics.writeFailures());
    }
}
