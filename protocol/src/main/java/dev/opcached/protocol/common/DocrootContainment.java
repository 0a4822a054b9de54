package dev.opcached.protocol.common;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The one rule for what lies inside a docroot, for the worker, the compile path and
 * {@code /compile} alike: a file is inside when its real path (every symbolic link resolved)
 * starts with the docroot's real path. A link inside the docroot that leads out is outside, and so
 * is a path that names the docroot's parent by {@code ..}.
 */
public final class DocrootContainment {
    private final Path root;

    /** @param docroot the docroot; resolved to its real path once, here */
    public DocrootContainment(Path docroot) throws IOException {
        this.root = docroot.toRealPath();
    }

    /** The docroot's real path. */
    public Path root() {
        return root;
    }

    /** Whether a real path (already resolved) lies inside the docroot. */
    public boolean contains(Path realPath) {
        return realPath.startsWith(root);
    }

    /**
     * The real path of {@code file} when it lies inside the docroot, else null.
     *
     * @throws IOException when it cannot be resolved (for instance, it does not exist)
     */
    public Path realPathInside(Path file) throws IOException {
        Path real = file.toRealPath();
        return contains(real) ? real : null;
    }

    /**
     * {@code relative} (a URL path; leading slashes are ignored) resolved under the docroot and
     * normalised, without touching the file system; null when that leaves the docroot. Links are
     * not resolved here: whatever it names is inside only if its real path is too
     * ({@link #contains(Path)}, {@link #realPathInside(Path)}).
     */
    public Path underRoot(String relative) {
        Path candidate = root.resolve(relative.replaceFirst("^/+", "")).normalize();
        return contains(candidate) ? candidate : null;
    }
}
