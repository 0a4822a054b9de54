package dev.opcached.daemon.filecache;

import dev.opcached.protocol.common.LogText;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One warning per rejected file name, not one per read: a poisoned entry that is read on every
 * request (read-only mode cannot remove it) would otherwise flood the log. The set of names is
 * bounded; past the bound, one line says that further rejections are only counted.
 */
final class RejectionLog {
    static final int MAX_NAMES = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(FileCache.class);

    private final Set<Path> logged = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean overflowLogged = new AtomicBoolean();

    void rejected(Path file, String reason, boolean removed) {
        if (logged.size() >= MAX_NAMES) {
            if (!logged.contains(file) && overflowLogged.compareAndSet(false, true)) {
                LOG.warn("file cache rejected more than {} distinct files; further rejections are counted, not logged", MAX_NAMES);
            }
            return;
        }
        if (logged.add(file)) {
            LOG.warn("file cache rejected {}: {}; counted as a miss{}", LogText.escape(file.toString()), LogText.escape(reason),
                    removed ? ", file removed" : "");
        }
    }
}
