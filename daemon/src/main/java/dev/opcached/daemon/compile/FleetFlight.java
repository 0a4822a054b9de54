package dev.opcached.daemon.compile;

import dev.opcached.protocol.unit.Sha256;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A compiler's part of single flight across the fleet, over {@link FleetClaims}: a batch's files
 * claimed at once, sorted into this host's and other hosts', and the wait on the others' claims
 * until each is released (its claimer stored the unit, then let go), or a claim's life has passed.
 * What to do with a file once its wait ends (take it from the levels, or compile it) is the
 * compiler's; so are the pool's own compile markers.
 */
final class FleetFlight {
    /** How often a host waiting on others' claims asks whether they still hold. */
    static final long POLL_MILLIS = 25;

    private final FleetClaims claims;
    private final long claimMillis;

    /**
     * @param claimMillis how long a claim lives, and so how long another host waits on it
     */
    FleetFlight(FleetClaims claims, long claimMillis) {
        this.claims = claims;
        this.claimMillis = claimMillis;
    }

    /**
     * The files of a batch, by their claims: this host's to compile and release, others' to wait
     * for, and those whose claim was not answered in time: compiled here and released too, since
     * the claim may have landed (a compare-and-delete leaves another's alone), or others would wait
     * out its life.
     */
    record Claimed(Map<Path, Sha256> ours, Map<Path, Sha256> others, Map<Path, Sha256> unanswered) {
    }

    /** Whether the fleet answers now: claims, and waiting on each other, are of use only then. */
    boolean up() {
        return claims.up();
    }

    /** Claims every file of {@code sourceKeys} in one round trip. */
    Claimed claim(Map<Path, Sha256> sourceKeys) {
        Map<Path, Sha256> ours = new LinkedHashMap<>();
        Map<Path, Sha256> others = new LinkedHashMap<>();
        Map<Path, Sha256> unanswered = new LinkedHashMap<>();
        if (sourceKeys.isEmpty()) {
            return new Claimed(ours, others, unanswered);
        }
        Map<Sha256, FleetClaims.Claim> answers = claims.claim(sourceKeys.values(), claimMillis);
        sourceKeys.forEach((path, sourceKey) -> {
            switch (answers.get(sourceKey)) {
                case OWNED -> ours.put(path, sourceKey);
                case HELD -> others.put(path, sourceKey);
                case UNKNOWN -> unanswered.put(path, sourceKey);
                default -> throw new IllegalStateException("unknown claim");
            }
        });
        return new Claimed(ours, others, unanswered);
    }

    /** Lets go of this host's claim on {@code sourceKey}. */
    void release(Sha256 sourceKey) {
        claims.release(sourceKey);
    }

    /** A unit taken from another host's compile after waiting on its claim. */
    void saved() {
        claims.saved();
    }

    /**
     * Tells {@code ended} of each of {@code held} as its claim goes, and of those left once a
     * claim's life or {@code waitMillis} has passed. Only the claims are asked for, all at once,
     * every {@link #POLL_MILLIS} (EXISTS, no read of an entry), so that a wait costs the levels one
     * lookup per file, when it ends, not one per poll.
     */
    void awaitReleases(Map<Path, Sha256> held, long waitMillis, Consumer<Path> ended) throws InterruptedException {
        Map<Path, Sha256> waiting = new LinkedHashMap<>(held);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.min(waitMillis, claimMillis));
        while (!waiting.isEmpty()) {
            boolean over = System.nanoTime() - deadline >= 0;
            Set<Sha256> stillHeld = over ? Set.of() : claims.held(waiting.values());
            for (Iterator<Map.Entry<Path, Sha256>> files = waiting.entrySet().iterator(); files.hasNext(); ) {
                Map.Entry<Path, Sha256> file = files.next();
                if (!stillHeld.contains(file.getValue())) {
                    files.remove();
                    ended.accept(file.getKey());
                }
            }
            if (!waiting.isEmpty()) {
                Thread.sleep(POLL_MILLIS);
            }
        }
    }
}
