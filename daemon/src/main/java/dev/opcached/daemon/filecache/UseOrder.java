package dev.opcached.daemon.filecache;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * This process's view of the entry files, their sizes and when each was last used: rebuilt at open
 * from the files' modification times, kept in memory afterwards, and the source of the least
 * recently used entries to prune. Access times are not used: most file systems are mounted with
 * relatime or noatime, which makes them useless as a use order.
 */
final class UseOrder {
    /** A hit rewrites the file's modification time at most this often, so a restart knows roughly what was used. */
    static final long TOUCH_INTERVAL_MILLIS = 60_000;

    private final Map<Path, Use> uses = new HashMap<>();
    private long bytes;

    private static final class Use {
        final long length;
        long lastUsedMillis;
        long touchedMillis;

        Use(long length, long lastUsedMillis) {
            this.length = length;
            this.lastUsedMillis = lastUsedMillis;
            this.touchedMillis = lastUsedMillis;
        }
    }

    /** {@code file} now holds {@code length} bytes, used (written or found at a scan) at {@code millis}. */
    synchronized void put(Path file, long length, long millis) {
        Use previous = uses.put(file, new Use(length, millis));
        bytes += length - (previous == null ? 0 : previous.length);
    }

    /**
     * {@code file} of {@code length} bytes was read at {@code millis}.
     *
     * @return whether its modification time is due to be touched
     */
    synchronized boolean used(Path file, long length, long millis) {
        Use use = uses.get(file);
        if (use == null || use.length != length) {
            // Written by another process since our scan.
            put(file, length, millis);
            return false;
        }
        use.lastUsedMillis = Math.max(use.lastUsedMillis, millis);
        if (millis - use.touchedMillis < TOUCH_INTERVAL_MILLIS) {
            return false;
        }
        use.touchedMillis = millis;
        return true;
    }

    synchronized void remove(Path file) {
        Use previous = uses.remove(file);
        if (previous != null) {
            bytes -= previous.length;
        }
    }

    /**
     * The least recently used files whose removal brings the total to {@code target} bytes or
     * below, least recent first; nothing when the total is already there. They are forgotten here.
     */
    synchronized List<Path> takeLeastRecentlyUsed(long target) {
        List<Path> victims = new ArrayList<>();
        if (bytes <= target) {
            return victims;
        }
        List<Map.Entry<Path, Use>> order = new ArrayList<>(uses.entrySet());
        order.sort(Comparator.comparingLong(e -> e.getValue().lastUsedMillis));
        for (Map.Entry<Path, Use> entry : order) {
            if (bytes <= target) {
                break;
            }
            victims.add(entry.getKey());
            bytes -= entry.getValue().length;
        }
        victims.forEach(uses::remove);
        return victims;
    }

    synchronized long bytes() {
        return bytes;
    }

    synchronized int entries() {
        return uses.size();
    }
}
