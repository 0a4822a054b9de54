package dev.opcached.daemon.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@link NdjsonBody}: what ChunkedWriteHandler takes from it, and what is dropped. */
class NdjsonBodyTest {
    private static byte[] line(String text) {
        return (text + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static String chunk(NdjsonBody body) {
        ByteBuf chunk = body.readChunk(UnpooledByteBufAllocator.DEFAULT);
        if (chunk == null) {
            return null;
        }
        try {
            return chunk.toString(StandardCharsets.UTF_8);
        } finally {
            chunk.release();
        }
    }

    @Test
    void linesQueuedSoFarLeaveTogetherAndNothingFollowsTheLastOne() {
        NdjsonBody body = new NdjsonBody();
        assertThat(chunk(body)).as("nothing yet: the writer waits to be resumed").isNull();
        assertThat(body.isEndOfInput()).isFalse();
        body.offer(line("{\"a\":1}"));
        body.offer(line("{\"b\":2}"));
        assertThat(chunk(body)).isEqualTo("{\"a\":1}\n{\"b\":2}\n");
        assertThat(body.offerLast(line("{\"last\":true}"))).isTrue();
        assertThat(body.offer(line("{\"late\":true}"))).as("a keep-alive line offered after the last").isFalse();
        assertThat(body.isEndOfInput()).as("the last line is still to be taken").isFalse();
        assertThat(chunk(body)).isEqualTo("{\"last\":true}\n");
        assertThat(body.isEndOfInput()).isTrue();
    }

    @Test
    void onceTheChannelHasGoneEveryLineIsDropped() {
        NdjsonBody body = new NdjsonBody();
        body.offer(line("{\"a\":1}"));
        body.close();
        assertThat(body.closed()).isTrue();
        assertThat(body.offer(line("{\"b\":2}"))).isFalse();
        assertThat(body.offerLast(line("{\"last\":true}"))).isFalse();
        assertThat(chunk(body)).as("what was queued is released with the channel").isNull();
        assertThat(body.isEndOfInput()).isTrue();
    }

    @Test
    void aKeepAliveIsDueOnlyAfterAQuietPeriod() {
        NdjsonBody body = new NdjsonBody();
        body.offer(line("{\"a\":1}"));
        assertThat(body.idleSinceAsked()).as("a line came since the start").isFalse();
        assertThat(body.idleSinceAsked()).as("none since the last look").isTrue();
    }
}
