package dev.opcached.daemon.compile;

import dev.opcached.protocol.segment.ClassFile;
import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.unit.Sha256;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What a batch made of one docroot source it read (a root, or a source javac pulled in from the
 * source path).
 *
 * @param path         the file's real path
 * @param stamp        its modification time and size, taken before it was read
 * @param bytes        exactly the bytes javac compiled
 * @param hash         SHA-256 of {@code bytes}
 * @param classes      the class files declared in it (nested, local and anonymous ones included);
 *                     empty when it failed
 * @param dependencies the docroot sources it refers to directly (real paths, itself excluded, in
 *                     path order)
 * @param diagnostics  when it failed, why ({@code file:line: error: message}: its own errors, then
 *                     for a file that uses a broken one, that use and the broken file's errors)
 * @param failed       whether it did not compile (then it has no classes)
 * @param failedPass   when it failed, what the javac pass that failed it depended on (so what the
 *                     failure holds for), or null when that is not known (a source of the pass
 *                     could not be read, or two of its roots declared the same class: an error
 *                     of that batch, which either alone may not have); null when it compiled
 */
public record SourceResult(Path path, SourceStamp stamp, byte[] bytes, Sha256 hash, List<ClassFile> classes,
                           List<Path> dependencies, List<String> diagnostics, boolean failed,
                           PassInputs failedPass) {
    public SourceResult {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(stamp, "stamp");
        Objects.requireNonNull(bytes, "bytes");
        Objects.requireNonNull(hash, "hash");
        classes = List.copyOf(classes);
        dependencies = List.copyOf(dependencies);
        diagnostics = List.copyOf(diagnostics);
        if (failed == diagnostics.isEmpty() || failed && !classes.isEmpty() || !failed && failedPass != null) {
            throw new IllegalArgumentException("a failed source has diagnostics and no classes, a compiled one no "
                    + "diagnostics and no failed pass: " + path + " failed=" + failed + " diagnostics=" + diagnostics.size()
                    + " classes=" + classes.size() + " failedPass=" + failedPass);
        }
    }
}
