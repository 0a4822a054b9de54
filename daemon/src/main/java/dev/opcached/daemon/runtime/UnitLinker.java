package dev.opcached.daemon.runtime;

import dev.opcached.protocol.segment.CachedEntry;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentKey;
import dev.opcached.protocol.unit.CompileUnit;
import dev.opcached.protocol.unit.CompileUnitCodec;
import dev.opcached.protocol.unit.Dependency;
import dev.opcached.protocol.unit.Sha256;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Links a compile unit with the exact units of the docroot sources it was compiled against, so
 * that a script never runs against a version of a dependency other than its own (javac inlines
 * constants and binds signatures). The unit's dependency list is its whole closure; every member
 * of it is found by unit key (defined once per process, or copied out of the segment) and every
 * member's own dependencies must be members with the same keys. When the segment no longer holds
 * one of those versions the unit is stale ({@link StaleUnitException}): it is compiled again.
 *
 * <p>A unit from the segment is defined once per process and shared by every unit that links
 * against it, so that loader constraints hold (one class per name along any link) and static
 * state is shared as it would be in one class path. Links are rare (once per version per
 * process) and cheap (no class is loaded here), so they take one lock.
 */
final class UnitLinker {
    private final Segment segment;
    private final ScriptDefiner definer;
    private final ScriptClassPath classPath;
    /** Units of the segment defined in this process, by unit key. */
    private final Map<Sha256, ScriptRuntime.Loaded> defined = new ConcurrentHashMap<>();

    UnitLinker(Segment segment, ScriptDefiner definer, ScriptClassPath classPath) {
        this.segment = segment;
        this.definer = definer;
        this.classPath = classPath;
    }

    /**
     * The unit of {@code realPath} ready to load classes from.
     *
     * @param entry    its segment entry, or null when it is not cached
     * @param supplied units the compiler handed over with a unit the segment does not hold, by unit key
     */
    synchronized ScriptRuntime.Loaded link(Path realPath, SegmentKey key, CachedEntry entry, CompileUnit unit,
                                           Map<Sha256, CompileUnit> supplied)
            throws StaleUnitException, ClassPathChangedException {
        // Units the segment no longer holds go (their classes once nothing runs them): a
        // dependency's old version is never asked for again, so it would stay for good.
        defined.values().removeIf(known -> !segment.holds(known.entry()));
        if (entry != null) {
            ScriptRuntime.Loaded known = reusable(unit.unitKey());
            if (known != null) {
                return known;
            }
        }
        try {
            return assemble(realPath, key, entry, unit, supplied, true);
        } catch (ConflictingPins conflict) {
            // A unit defined earlier links against other objects of the same versions (defined
            // again since): link this one with fresh copies of everything.
            try {
                return assemble(realPath, key, entry, unit, supplied, false);
            } catch (ConflictingPins impossible) {
                throw new IllegalStateException("a fresh link cannot conflict", impossible);
            }
        }
    }

    private ScriptRuntime.Loaded assemble(Path realPath, SegmentKey key, CachedEntry entry, CompileUnit unit,
                                          Map<Sha256, CompileUnit> supplied, boolean reuse)
            throws StaleUnitException, ClassPathChangedException, ConflictingPins {
        Map<String, ScriptRuntime.Loaded> members = new HashMap<>();
        List<ScriptRuntime.Loaded> fresh = new ArrayList<>();
        ScriptRuntime.Loaded root = definer.define(realPath, key, entry, unit);
        members.put(realPath.toString(), root);
        fresh.add(root);
        for (Dependency dependency : unit.sources()) {
            ScriptRuntime.Loaded known = reuse ? reusable(dependency.unitKey()) : null;
            ScriptRuntime.Loaded member = known != null ? known : define(realPath, dependency, supplied);
            members.put(dependency.path(), member);
            if (known == null) {
                fresh.add(member);
            }
        }
        for (ScriptRuntime.Loaded member : members.values()) {
            if (!classPath.compiledAgainstThese(member.unit())) {
                throw new ClassPathChangedException(member.loader().getName() + " was compiled against other vendor"
                        + " jars than this worker started with; a new worker is on its way");
            }
            boolean isFresh = fresh.contains(member);
            for (Dependency dependency : member.unit().sources()) {
                ScriptRuntime.Loaded pinned = members.get(dependency.path());
                if (pinned == null || !pinned.unit().unitKey().equals(dependency.unitKey())) {
                    throw new StaleUnitException(realPath + " links " + member.loader().getName() + ", which was compiled"
                            + " against another version of " + dependency.path() + " than " + realPath + " was");
                }
                if (!isFresh && member.loader().pin(dependency.path()) != pinned.loader()) {
                    throw new ConflictingPins();
                }
            }
        }
        for (ScriptRuntime.Loaded member : fresh) {
            Map<String, ScriptClassLoader> pins = new HashMap<>();
            for (Dependency dependency : member.unit().sources()) {
                pins.put(dependency.path(), members.get(dependency.path()).loader());
            }
            member.loader().pin(pins);
            if (member.cached()) {
                defined.put(member.unit().unitKey(), member);
            }
        }
        return root;
    }

    /** The dependency's unit, defined now from what the compiler supplied or from the segment. */
    private ScriptRuntime.Loaded define(Path dependent, Dependency dependency, Map<Sha256, CompileUnit> supplied)
            throws StaleUnitException {
        Path path = Path.of(dependency.path());
        SegmentKey key = SegmentKey.of(dependency.path());
        CompileUnit handed = supplied.get(dependency.unitKey());
        if (handed != null) {
            return definer.define(path, key, null, handed);
        }
        CachedEntry entry = segment.peek(key);
        byte[] payload = entry == null ? null : entry.copyPayload();
        if (payload == null) {
            throw new StaleUnitException(dependent + " was compiled against " + dependency.path()
                    + ", which the cache no longer holds");
        }
        CompileUnit unit;
        try {
            unit = CompileUnitCodec.decode(payload);
        } catch (IllegalArgumentException damaged) {
            throw new StaleUnitException(dependency.path() + " in the cache is not a compile unit: " + damaged.getMessage());
        }
        if (!unit.unitKey().equals(dependency.unitKey())) {
            throw new StaleUnitException(dependent + " was compiled against another version of " + dependency.path()
                    + " than the cache holds");
        }
        return definer.define(path, key, entry, unit);
    }

    /** The unit of this key defined here before, while the segment still holds its entry. */
    private ScriptRuntime.Loaded reusable(Sha256 unitKey) {
        ScriptRuntime.Loaded known = defined.get(unitKey);
        if (known != null && !segment.holds(known.entry())) {
            defined.remove(unitKey, known);
            return null;
        }
        return known;
    }

    /** Forgets a unit (its entry was found out of date); units that link against it keep it. */
    void forget(ScriptRuntime.Loaded unit) {
        defined.remove(unit.unit().unitKey(), unit);
    }

    /** A unit defined earlier is pinned to other objects of the versions this link wants. */
    private static final class ConflictingPins extends Exception {
        ConflictingPins() {
            super(null, null, false, false);
        }
    }
}
