package dev.opcached.protocol.segment;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * One pool's shared bytecode cache, as an attached process (supervisor, worker) uses it: the entry
 * point that puts together the parts described in {@code docs/segment-format.md}. The file and its
 * checks are {@link SegmentFile}'s, the lock-free reads {@link SegmentReader}'s, the writes
 * readers make without the lock {@link LockFreeWriter}'s, the locked writes {@link SegmentWriter}'s
 * (repaired first by {@link SegmentRecovery}), and the compile markers {@link CompileMarkers}'.
 * A worker attaches as a {@link SegmentAccess#READER}: it maps the segment file read-only and
 * writes only the activity file (hits, misses, usage, revalidation claims, restart requests); its
 * other writes throw {@link SegmentReadOnlyException}. An observer that must never write uses
 * {@link #openReadOnly}, which gives it only a {@link SegmentReader}.
 *
 * <p>Reads ({@link #lookup}, {@link #hitIfCurrent}, {@link CachedEntry#copyPayload}) never take a
 * lock and never wait. Writes ({@link #store}, {@link #invalidate}, {@link #reset},
 * {@link #beginCompile}) are serialised by an fcntl lock that the kernel releases when its holder
 * dies. Once the file is truncated every operation throws {@link SegmentLostException}; the owner
 * notices a deleted or replaced file with {@link #intact()}.
 *
 * <p>Instances are thread-safe, {@link #close()} included. After a close, reads answer as for
 * an empty cache (a miss, false, no scripts, stat generation 0) and counting does nothing;
 * writes, {@link #statistics()} and {@link #verify()} throw {@link SegmentClosedException}.
 */
public final class Segment implements AutoCloseable {
    /** How long a writer waits for the lock before giving up with a typed error. */
    public static final long DEFAULT_LOCK_TIMEOUT_MILLIS = 10_000;
    /** How long attach waits for a creator still writing the header. */
    public static final long ATTACH_TIMEOUT_MILLIS = SegmentFile.ATTACH_TIMEOUT_MILLIS;

    private final SegmentFile file;
    private final LockFreeWriter lockFree;
    private final SegmentReader reader;
    private final SegmentWriter writer;
    private final CompileMarkers markers;

    private Segment(SegmentFile file, EpochClock clock, ProcessTable processes) {
        this.file = file;
        this.lockFree = new LockFreeWriter(file, clock);
        this.reader = new SegmentReader(file, lockFree, clock);
        this.writer = new SegmentWriter(file, reader.index(), clock, processes, DEFAULT_LOCK_TIMEOUT_MILLIS);
        this.markers = new CompileMarkers(file, writer, reader, clock, processes);
    }

    // ---------------------------------------------------------------------------------------------
    // create, attach, close

    /** Creates a new segment file (0600) at {@code path}; fails if the file exists. */
    public static Segment create(Path path, SegmentConfig config) throws IOException {
        return create(path, config, EpochClock.SYSTEM);
    }

    /** Creates a new segment file (0600) at {@code path} with the given clock. */
    public static Segment create(Path path, SegmentConfig config, EpochClock clock) throws IOException {
        return create(path, config, clock, null, RestartReason.NONE);
    }

    /**
     * Creates a segment that replaces a lost one of the same pool: it starts with the counters of
     * {@code carriedOver} (the last statistics read from the old segment; restarts, hits, misses,
     * stores, compiles, recoveries, start time) and counts its creation as a restart for
     * {@code reason} (usually {@link RestartReason#LOST}), which status then shows as the last restart.
     */
    public static Segment create(Path path, SegmentConfig config, EpochClock clock, SegmentStatistics carriedOver,
                                 RestartReason reason) throws IOException {
        return create(path, config, clock, carriedOver, List.of(), reason);
    }

    /**
     * The same, and the new segment's restart log starts with {@code carriedLog} (the old one's,
     * oldest first), before its own restart: the pool's restart history goes on too.
     */
    public static Segment create(Path path, SegmentConfig config, EpochClock clock, SegmentStatistics carriedOver,
                                 List<RestartRecord> carriedLog, RestartReason reason) throws IOException {
        return new Segment(SegmentFile.create(path, config, clock, ProcessTable.SYSTEM, carriedOver, carriedLog, reason),
                clock, ProcessTable.SYSTEM);
    }

    /** Attaches to a pool's segment as a {@link SegmentAccess#WRITER}, after checking it thoroughly. */
    public static Segment attach(Path path) {
        return attach(path, SegmentAccess.WRITER);
    }

    /**
     * Attaches with the access of this process's role: a worker attaches as a
     * {@link SegmentAccess#READER}, and then every write but counting throws
     * {@link SegmentReadOnlyException}.
     */
    public static Segment attach(Path path, SegmentAccess access) {
        return attach(path, EpochClock.SYSTEM, access);
    }

    /** Attaches as a writer with the given clock. */
    public static Segment attach(Path path, EpochClock clock) {
        return attach(path, clock, SegmentAccess.WRITER);
    }

    /**
     * Attaches with the given clock and access, {@link SegmentAccess#WRITER} or
     * {@link SegmentAccess#READER}; an observer uses {@link #openReadOnly}, which counts nothing.
     */
    public static Segment attach(Path path, EpochClock clock, SegmentAccess access) {
        if (access == SegmentAccess.OBSERVER) {
            throw new IllegalArgumentException("an observer maps a segment with Segment.openReadOnly, not attach: " + path);
        }
        return attach(path, clock, ProcessTable.SYSTEM, access);
    }

    /** Attaches with the given clock, judging the creator's liveness by {@code processes}. */
    static Segment attach(Path path, EpochClock clock, ProcessTable processes, SegmentAccess access) {
        return new Segment(SegmentFile.attach(path, processes, access), clock, processes);
    }

    /**
     * Maps a segment read-only, for observing it (statistics, scripts) without a token and even
     * while its supervisor is wedged. The result has no method that writes; the creator need not be alive.
     */
    public static SegmentReader openReadOnly(Path path) {
        return SegmentReader.open(path);
    }

    public Path path() {
        return file.path();
    }

    /** What this process may write; see {@link SegmentAccess}. */
    public SegmentAccess access() {
        return file.access();
    }

    /** The lock-free reads of this segment, for code that only observes (status). */
    public SegmentReader reader() {
        return reader;
    }

    /** Whole size of the segment: opcache.memory_consumption. */
    public long memoryConsumption() {
        return reader.memoryConsumption();
    }

    public int maxCachedKeys() {
        return reader.maxCachedKeys();
    }

    /**
     * Whether the file at the path is still the file this process mapped: same device and inode,
     * and at least as long as the mapping. False once it was deleted, replaced or truncated; then
     * the pool needs a new segment ({@link RestartReason#LOST}). One stat call, cheap enough for
     * the supervisor's housekeeping every second.
     */
    public boolean intact() {
        return file.intact();
    }

    /**
     * Unmaps nothing (the mapping goes with the buffer, since other threads may still be reading it)
     * but stops every further use; idempotent, and safe while other threads use the segment.
     */
    @Override
    public void close() throws IOException {
        file.close();
    }

    // ---------------------------------------------------------------------------------------------
    // reads: lock-free

    /**
     * Finds the current entry for a key and counts a hit (also on the key's usage record) or a miss.
     *
     * @return the entry, or null for a miss; never throws for anything the segment holds
     */
    public CachedEntry lookup(SegmentKey key) {
        // The hot path: SegmentFile#lockFree written out, so that a request makes no lambda.
        if (file.closed()) {
            return null;
        }
        file.checkNotLost();
        try {
            CachedEntry entry = reader.find(key);
            if (entry != null) {
                lockFree.countHit(entry.slotOffset());
            } else {
                lockFree.countMiss();
            }
            return entry;
        } catch (InternalError e) {
            throw file.translateFault(e);
        }
    }

    /** Like {@link #lookup} but counts nothing: for tools and for polling. */
    public CachedEntry peek(SegmentKey key) {
        return reader.peek(key);
    }

    /**
     * The cheap check a worker makes on every request for a script whose classes it has loaded:
     * is this still the key's entry in the current generation? Counts a hit when it is; counts
     * nothing when not (the caller's following {@link #lookup} counts).
     */
    public boolean hitIfCurrent(CachedEntry entry) {
        // The hot path, like lookup.
        if (file.closed()) {
            return false;
        }
        file.checkNotLost();
        try {
            if (!reader.isCurrent(entry)) {
                return false;
            }
            lockFree.countHit(entry.slotOffset());
            return true;
        } catch (InternalError e) {
            throw file.translateFault(e);
        }
    }

    /**
     * Whether {@code entry} is still its key's entry in the current generation, counting nothing:
     * for a unit that another one links against (its hits are its dependents').
     */
    public boolean holds(CachedEntry entry) {
        if (file.closed()) {
            return false;
        }
        file.checkNotLost();
        try {
            return reader.isCurrent(entry);
        } catch (InternalError e) {
            throw file.translateFault(e);
        }
    }

    /**
     * Claims the next timestamp validation of an entry for the whole pool: returns true (and pushes
     * the key's revalidate-after time {@code freqMillis} ahead) for exactly one caller per period.
     */
    public boolean claimRevalidation(CachedEntry entry, long freqMillis) {
        // Written out like hitIfCurrent: a worker asks on every request for a loaded script.
        if (file.closed()) {
            return false;
        }
        file.checkNotLost();
        try {
            return lockFree.claimRevalidation(entry, freqMillis);
        } catch (InternalError e) {
            throw file.translateFault(e);
        }
    }

    /** Counts one compilation done by this process for the pool (status: compiles). */
    public void countCompile() {
        file.lockFree(() -> {
            lockFree.countCompile();
            return null;
        }, null);
    }

    /**
     * Adds what the file cache did since the last call ({@code change}'s counters) and its size now
     * ({@code change}'s bytes and entries), for the pool's status.
     */
    public void countFileCache(FileCacheFigures change) {
        file.lockFree(() -> {
            lockFree.countFileCache(change);
            return null;
        }, null);
    }

    /** Counts a lookup of a script that may not be cached (opcache's blacklist_misses). */
    public void countBlacklistMiss() {
        file.lockFree(() -> {
            lockFree.countBlacklistMiss();
            return null;
        }, null);
    }

    /** How many times the pool's realpath caches were cleared; workers compare it on each request. */
    public long statGeneration() {
        return reader.statGeneration();
    }

    /** Asks every process of the pool to drop its realpath cache (stat/clear); returns the new value. */
    public long clearStatCaches() {
        return file.guard(lockFree::clearStatCaches);
    }

    /** The supervisor's liveness signal, read by tools. */
    public void heartbeat() {
        file.guard(() -> {
            lockFree.heartbeat();
            return null;
        });
    }

    /** The figures behind opcache_get_status(), read without the lock; see {@link SegmentStatistics} for unknown figures. */
    public SegmentStatistics statistics() {
        return reader.statistics();
    }

    /** See {@link SegmentReader#generation()}. */
    public long generation() {
        return reader.generation();
    }

    /** The cached scripts of the current generation (opcache_get_status()['scripts']). */
    public List<ScriptStatistics> scripts() {
        return reader.scripts();
    }

    /** See {@link SegmentReader#verify()}. */
    public SegmentVerification verify() {
        return reader.verify();
    }

    // ---------------------------------------------------------------------------------------------
    // writes: under the cross-process lock

    /**
     * Stores a script's compiled classes under its key, replacing (and counting as wasted) any
     * previous entry, and clears the key's compiling marker. May restart the cache first when it is
     * full and enough memory is wasted, as OPcache does.
     */
    public StoreOutcome store(SegmentKey key, EntryMetadata metadata, byte[] payload) {
        return writes(() -> writer.store(key, metadata, payload));
    }

    /**
     * OPcache semantics: with {@code force}, always; without, only when the file's mtime or size no
     * longer match what was compiled (or the file is gone).
     *
     * @return whether an entry was invalidated
     */
    public boolean invalidate(SegmentKey key, boolean force) {
        return writes(() -> writer.invalidate(key, force));
    }

    /**
     * Invalidates the entry {@code entry} names if it is still its key's entry (a compare and
     * invalidate): for a process that judged that very entry out of date, so that a successor
     * another process stored meanwhile is never dropped.
     *
     * @return whether it was invalidated
     */
    public boolean invalidate(CachedEntry entry) {
        return invalidate(entry.key(), entry.ref());
    }

    /**
     * Invalidates the key's entry if it is still the one {@code ref} names ({@link CachedEntry#ref()}):
     * the compare and invalidate of {@link #invalidate(CachedEntry)}, for a writer told of the entry
     * by a process that found it unusable.
     */
    public boolean invalidate(SegmentKey key, long ref) {
        return writes(() -> writer.invalidateRef(key, ref));
    }

    /** Invalidates (force) every cached script whose path starts with {@code prefix}. */
    public List<String> invalidatePrefix(String prefix) {
        return writes(() -> writer.invalidatePrefix(prefix));
    }

    /**
     * Manual restart (opcache_reset): empties the cache for every attached process at once by
     * moving to a new generation. O(1); waits for no reader.
     *
     * @return the new generation
     */
    public long reset() {
        return writes(writer::reset);
    }

    /** Performs a restart requested by a reader, if any, and repairs damage; for the supervisor's housekeeping. */
    public void maintain() {
        writes(() -> {
            writer.maintain();
            return null;
        });
    }

    // ---------------------------------------------------------------------------------------------
    // compile markers

    /**
     * Asks to compile a key that missed. The first caller becomes its {@link CompileClaim.Kind#OWNER}
     * (the key's slot records its pid and the time); others get {@code BUSY} while that owner is
     * alive and its marker is younger than {@code staleAfterMillis}, and {@code OWNER} after that.
     */
    public CompileClaim beginCompile(SegmentKey key, long staleAfterMillis) {
        return writes(() -> markers.begin(key, staleAfterMillis));
    }

    /**
     * Waits, without holding the lock, until the key is stored by its compiling owner, or the owner
     * dies or goes stale, or {@code maxWaitMillis} pass; then returns {@code CACHED} or makes the
     * caller the owner. Never returns {@code BUSY}.
     */
    public CompileClaim awaitCompile(SegmentKey key, long staleAfterMillis, long maxWaitMillis) {
        return writes(() -> markers.await(key, staleAfterMillis, maxWaitMillis));
    }

    /**
     * Gives up this process's compile of a key (a compile error), so that others stop waiting; a key
     * that never held an entry in this generation also gives its index slot back (it no longer counts
     * in {@code num_cached_keys}).
     */
    public void abandonCompile(SegmentKey key) {
        writes(() -> {
            markers.abandon(key);
            return null;
        });
    }

    /** A write to the segment file: only a {@link SegmentAccess#WRITER} makes one, whatever it would find. */
    private <T> T writes(Supplier<T> operation) {
        return file.guard(() -> {
            file.checkWritesEntries();
            return operation.get();
        });
    }

    /** For tests of this package. */
    SegmentFile file() {
        return file;
    }

    @Override
    public String toString() {
        return "Segment[" + file + "]";
    }
}
