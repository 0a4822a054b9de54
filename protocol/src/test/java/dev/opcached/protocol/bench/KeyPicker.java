package dev.opcached.protocol.bench;

import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** Per-thread pseudo-random choice of the next key, cheap enough not to blur what it picks for. */
@State(Scope.Thread)
public class KeyPicker {
    // Per thread, so that threads (-t N) neither share a cache line nor replay each other's keys.
    private long state = Workload.seed();

    /** An index in {@code [0, bound)}, from a xorshift64 step. */
    public int next(int bound) {
        long x = state;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        state = x;
        return Workload.index(x, bound);
    }
}
