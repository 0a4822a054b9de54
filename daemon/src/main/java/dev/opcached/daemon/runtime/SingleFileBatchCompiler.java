package dev.opcached.daemon.runtime;

import dev.opcached.daemon.compile.SourceBatchCompiler;
import dev.opcached.protocol.common.DocrootContainment;
import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.unit.CompileUnit;
import dev.opcached.protocol.unit.Sha256;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Interim: each root compiled alone, with no inputs recorded (replaced by the batch engine). */
public final class SingleFileBatchCompiler implements SourceBatchCompiler {
    private final ScriptCompiler compiler;
    private final DocrootContainment docroot;

    public SingleFileBatchCompiler(Path docroot) throws IOException {
        this.docroot = new DocrootContainment(docroot);
        this.compiler = new ScriptCompiler(this.docroot, ScriptClassPath.of(this.docroot.root()));
    }

    @Override
    public Batch compile(List<Path> roots) {
        long started = System.nanoTime();
        Map<Path, CompiledSource> sources = new HashMap<>();
        for (Path root : roots) {
            SourceStamp stamp = ScriptSource.stamp(root);
            try {
                byte[] text = ScriptSource.read(root);
                ScriptCompiler.Compilation compilation = compiler.compile(root, text);
                Sha256 hash = Sha256.of(text);
                sources.put(root, new CompiledSource(root, stamp, compilation.success()
                        ? new CompileUnit(hash, hash, List.of(), compilation.classes()) : null,
                        compilation.success() ? List.of() : compilation.diagnostics()));
            } catch (ScriptException | IOException e) {
                sources.put(root, new CompiledSource(root, stamp, null, List.of(root + ": " + e.getMessage())));
            }
        }
        return new Batch(sources, (System.nanoTime() - started) / 1_000);
    }
}
