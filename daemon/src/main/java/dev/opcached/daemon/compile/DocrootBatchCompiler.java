package dev.opcached.daemon.compile;

import dev.opcached.daemon.runtime.ScriptClassPath;
import dev.opcached.protocol.common.DocrootContainment;
import dev.opcached.protocol.segment.SourceStamp;
import dev.opcached.protocol.unit.CompileUnit;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pool compiler's batches of one docroot: {@link BatchJavac} compiles the roots and every
 * docroot source they use that has no current unit in one javac task (it reads the current ones'
 * class files), {@link UnitAssembler} makes a compile unit of each source that compiled.
 */
public final class DocrootBatchCompiler implements SourceBatchCompiler {
    private final DocrootContainment docroot;
    private final UnitAssembler assembler;
    /** The engine over the vendor jars as they were last listed. */
    private BatchJavac javac;

    public DocrootBatchCompiler(DocrootContainment docroot) throws IOException {
        this.docroot = docroot;
        this.javac = new BatchJavac(docroot, ScriptClassPath.of(docroot.root()));
        this.assembler = new UnitAssembler(docroot, javac.keyOptions());
    }

    /**
     * The engine for the vendor jars there are now: a jar added or removed since the last batch
     * is on (or off) the next one's class path, as workers started since see it.
     */
    private synchronized BatchJavac javac() throws IOException {
        if (!ScriptClassPath.vendorJarsOf(docroot.root()).equals(javac.vendorJars())) {
            javac = new BatchJavac(docroot, ScriptClassPath.of(docroot.root()));
        }
        return javac;
    }

    /** The compiler options as unit keys see them. */
    List<String> keyOptions() {
        return javac.keyOptions();
    }

    @Override
    public Batch compile(List<Path> roots, CurrentUnits current) {
        long started = System.nanoTime();
        Map<Path, CompiledSource> sources = new HashMap<>();
        try {
            // Stamped before the jars are listed: a jar added since (one that may hold a class a
            // failed file looked for) changes it.
            Path vendor = ScriptClassPath.vendorDirectoryOf(docroot.root());
            long vendorStampedAfter = System.currentTimeMillis();
            PassInputs.DirectoryStamp vendorStamp = PassInputs.DirectoryStamp.of(vendor);
            BatchResult result = javac().compile(roots, current);
            Map<Path, CompileUnit> units = assembler.assemble(result);
            for (SourceResult source : result.sources()) {
                PassInputs failedPass = source.failedPass() == null ? null
                        : source.failedPass().withDirectory(vendor, vendorStamp, vendorStampedAfter);
                sources.put(source.path(), new CompiledSource(source.path(), source.stamp(), units.get(source.path()),
                        source.diagnostics(), failedPass));
            }
            for (Map.Entry<Path, String> rejected : result.rejected().entrySet()) {
                sources.put(rejected.getKey(), new CompiledSource(rejected.getKey(), SourceStamp.of(rejected.getKey()),
                        null, List.of(rejected.getKey() + ": " + rejected.getValue()), null));
            }
            return new Batch(sources, result.micros());
        } catch (IOException e) {
            // Not a verdict on any file's text: every root fails with the reason, and is tried again next time.
            for (Path root : roots) {
                sources.put(root, new CompiledSource(root, SourceStamp.of(root), null,
                        List.of(root + ": the compiler failed: " + e.getMessage()), null));
            }
            return new Batch(sources, (System.nanoTime() - started) / 1_000);
        }
    }
}
