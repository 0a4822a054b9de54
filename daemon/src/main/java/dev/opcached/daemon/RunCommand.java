package dev.opcached.daemon;

import dev.opcached.daemon.compile.LocalPoolCompiler;
import dev.opcached.daemon.runtime.BufferedResponse;
import dev.opcached.daemon.runtime.CachePolicy;
import dev.opcached.daemon.runtime.ScriptExitGuard;
import dev.opcached.daemon.runtime.ScriptRunner;
import dev.opcached.daemon.runtime.ScriptRuntime;
import dev.opcached.protocol.segment.EpochClock;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentConfig;
import dev.opcached.protocol.segment.SegmentFiles;
import dev.opcached.script.Request;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code opcached run FILE.java [ARGS]}: PHP's CLI SAPI. Runs one script once, with a private
 * cache made for this process and deleted with it: it never touches a pool's segment.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs one script once and writes its response body to stdout, with a private cache.",
                "ARGS of the form name=value become request parameters; all are in param \"argv\".",
                "Exit status: 0, or 1 when the script fails (compile error, exception, status 500 or more)."})
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE.java", description = "The script.")
    Path file;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Arguments: name=value parameters.")
    List<String> arguments = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Path script;
        try {
            script = file.toRealPath();
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no such file: " + file);
        }
        ScriptExitGuard.install();
        Path directory = Files.createTempDirectory("opcached-run-");
        Path segmentPath = directory.resolve("run.seg");
        try (Segment segment = Segment.create(segmentPath, new SegmentConfig(16 << 20, 200, 5))) {
            CachePolicy policy = CachePolicy.singleRun();
            ScriptRuntime runtime = new ScriptRuntime(segment, script.getParent(), policy,
                    LocalPoolCompiler.forDocroot(segment, script.getParent(), policy, EpochClock.SYSTEM));
            BufferedResponse response = new ScriptRunner(runtime, true).run(script, new CliRequest(script, arguments));
            PrintStream out = System.out;
            out.write(response.body());
            out.flush();
            return response.status() >= 500 ? 1 : 0;
        } finally {
            SegmentFiles.delete(segmentPath);
            Files.deleteIfExists(directory);
        }
    }

    /** The request of a command-line run: method CLI, the script as path, name=value arguments as parameters. */
    private static final class CliRequest implements Request {
        private final Path script;
        private final Map<String, List<String>> params;

        CliRequest(Path script, List<String> arguments) {
            this.script = script;
            Map<String, List<String>> params = new LinkedHashMap<>();
            for (String argument : arguments) {
                int equals = argument.indexOf('=');
                if (equals > 0) {
                    params.computeIfAbsent(argument.substring(0, equals), k -> new ArrayList<>())
                            .add(argument.substring(equals + 1));
                }
            }
            params.put("argv", List.copyOf(arguments));
            this.params = Collections.unmodifiableMap(params);
        }

        @Override
        public String method() {
            return "CLI";
        }

        @Override
        public String path() {
            return script.toString();
        }

        @Override
        public String query() {
            return "";
        }


        @Override
        public Map<String, List<String>> params() {
            return params;
        }

        @Override
        public String header(String name) {
            return null;
        }

        @Override
        public byte[] body() {
            return new byte[0];
        }


        @Override
        public String remoteAddress() {
            return "cli";
        }
    }
}
