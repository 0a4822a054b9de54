package dev.opcached.daemon.testing;

import dev.opcached.daemon.compile.LocalPoolCompiler;
import dev.opcached.daemon.runtime.CachePolicy;
import dev.opcached.daemon.runtime.ScriptRuntime;
import dev.opcached.protocol.segment.EpochClock;
import dev.opcached.protocol.segment.Segment;
import java.io.IOException;
import java.nio.file.Path;

/** A script runtime that compiles in this process, as {@code opcached run} does. */
public final class LocalRuntime {
    private LocalRuntime() {
    }

    public static ScriptRuntime of(Segment segment, Path docroot, CachePolicy policy) throws IOException {
        return new ScriptRuntime(segment, docroot, policy,
                LocalPoolCompiler.forDocroot(segment, docroot, policy, EpochClock.SYSTEM));
    }
}
