package dev.opcached.daemon.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A script's view of a request outlives Netty's buffer, and its body is copied once. */
class HttpScriptRequestTest {
    @Test
    void theBodyIsCopiedOnceOutOfNettysBufferAndNotAgainPerCall() {
        FullHttpRequest netty = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/form.java?a=1",
                Unpooled.copiedBuffer("b=2", StandardCharsets.UTF_8));
        netty.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/x-www-form-urlencoded");
        HttpScriptRequest request = new HttpScriptRequest(netty, "/form.java", new java.net.InetSocketAddress("127.0.0.1", 1));
        netty.release();
        assertThat(request.bodyText()).isEqualTo("b=2");
        assertThat(request.body()).as("one copy, not one per call").isSameAs(request.body());
        assertThat(request.params()).containsEntry("a", List.of("1")).containsEntry("b", List.of("2"));
        assertThat(request.remoteAddress()).as("formatted when asked").isEqualTo("/127.0.0.1:1");
    }
}
