package dev.opcached.daemon.worker;

import dev.opcached.daemon.runtime.BufferedResponse;
import dev.opcached.daemon.runtime.ScriptRuntime;
import dev.opcached.protocol.segment.ClassFile;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentKey;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the request path once before a new worker listens: the HTTP codec, the segment's read
 * path, defining a script from bytes in its own class loader, running it and encoding the answer.
 * A fresh JVM otherwise loads and interprets all of that on its first real request, which then
 * takes hundreds of milliseconds even when the script is in the segment.
 */
final class Warmup {
    private static final Logger LOG = LoggerFactory.getLogger(Warmup.class);

    private Warmup() {
    }

    /** Rounds of the HTTP part: enough for the first tier of the JIT to compile it. */
    private static final int ROUNDS = 200;

    static void run(Segment segment, ScriptRuntime runtime, DocumentRoot documentRoot) {
        long started = System.nanoTime();
        try {
            segment.peek(SegmentKey.of("/opcached/warmup"));
            // Chronicle's atomic adds on the mapping (the first counted hit of a request) go through
            // a class whose static initialiser builds its class alias pool: ~10 ms, interpreted.
            // Counting a hit here would be a false one; initialising the class costs nothing else.
            Class.forName("net.openhft.chronicle.bytes.internal.BytesInternal", true, Warmup.class.getClassLoader());
            documentRoot.resolve("/");
            documentRoot.clear();
            List<ClassFile> classes = List.of(new ClassFile(WarmupScript.class.getName(), classBytes(WarmupScript.class)));
            EmbeddedChannel channel = new EmbeddedChannel(new HttpServerCodec(), new HttpObjectAggregator(1 << 20));
            for (int round = 0; round < ROUNDS; round++) {
                channel.writeInbound(Unpooled.copiedBuffer(
                        "GET /warmup.java?x=1 HTTP/1.1\r\nHost: warmup\r\nAccept: */*\r\n\r\n", StandardCharsets.US_ASCII));
                FullHttpRequest request = channel.readInbound();
                HttpScriptRequest scriptRequest = new HttpScriptRequest(request, "/warmup.java", new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
                request.release();
                BufferedResponse response = round == 0
                        ? runtime.runBundled(classes, WarmupScript.class.getName(), scriptRequest)
                        : run(new WarmupScript(), scriptRequest);
                ScriptHandler.Answer answer = ScriptHandler.toHttp(response);
                channel.writeOutbound(answer.head(), new DefaultLastHttpContent(answer.body()));
                for (Object out; (out = channel.readOutbound()) != null; ) {
                    ReferenceCountUtil.release(out);
                }
            }
            channel.finishAndReleaseAll();
            LOG.debug("warmed up in {} ms", (System.nanoTime() - started) / 1_000_000);
        } catch (Exception | LinkageError e) {
            // Only speed is at stake: serve anyway.
            LOG.warn("warm-up failed: {}", e.toString());
        }
    }

    private static BufferedResponse run(WarmupScript script, HttpScriptRequest request) {
        BufferedResponse response = new BufferedResponse();
        script.handle(request, response);
        return response;
    }

    private static byte[] classBytes(Class<?> type) throws IOException {
        try (InputStream in = type.getResourceAsStream(type.getSimpleName() + ".class")) {
            if (in == null) {
                throw new IOException("no class file for " + type.getName());
            }
            return in.readAllBytes();
        }
    }
}
