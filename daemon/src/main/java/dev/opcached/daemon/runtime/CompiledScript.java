package dev.opcached.daemon.runtime;

import dev.opcached.protocol.segment.ClassFile;
import java.util.List;

/** The classes one compile of one version of a script produced, with what the segment records of it. */
record CompiledScript(List<ClassFile> classes, long contentHash, long micros) {
}
