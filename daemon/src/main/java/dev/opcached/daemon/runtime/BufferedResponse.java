package dev.opcached.daemon.runtime;

import dev.opcached.protocol.common.LogText;
import dev.opcached.script.Response;
import io.netty.handler.codec.http.HttpHeaderValidationUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A response kept in memory until the script returns, at most {@code opcached.max_response_size}
 * bytes of body. The body is kept as the chunks the script wrote (small writes gathered into
 * blocks), so that it is copied once, from the script into here, and sent from these chunks
 * without being joined into one array.
 */
public final class BufferedResponse implements Response {
    /** Writes smaller than this are gathered into blocks of up to this size. */
    private static final int BLOCK = 8192;
    /** The first block's size: a typical small answer fits without an 8 KiB allocation and copy. */
    private static final int FIRST_BLOCK = 256;

    private final long maxBodyBytes;
    private int status = 200;
    private final Map<String, String[]> headers = new LinkedHashMap<>();
    private final List<byte[]> chunks = new ArrayList<>();
    private byte[] block;
    private int blockUsed;
    /** The size of the last block made, which the next one doubles. */
    private int lastBlock;
    private long size;
    private long refused;

    /** A response whose body may grow without a bound of its own (the CLI, the warm-up). */
    public BufferedResponse() {
        this(Long.MAX_VALUE);
    }

    public BufferedResponse(long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    /** A plain-text answer of the daemon's own ("404 Not Found\n"), not a script's. */
    static BufferedResponse plain(int status, String body) {
        BufferedResponse response = new BufferedResponse();
        response.status(status).header("Content-Type", "text/plain; charset=utf-8").write(body);
        return response;
    }

    @Override
    public Response status(int status) {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status must be 100..599: status=" + status);
        }
        this.status = status;
        return this;
    }

    @Override
    public Response header(String name, String value) {
        // HTTP's own rules, as the codec applies them when the answer is sent: refused here, where
        // the script still gets the exception (a 500), rather than there, where no answer could go out.
        int badName = name.isEmpty() ? 0 : HttpHeaderValidationUtil.validateToken(name);
        if (badName >= 0) {
            throw new IllegalArgumentException("invalid header name \"" + LogText.escape(name) + "\": "
                    + (name.isEmpty() ? "it is empty" : "character " + (badName + 1) + " is not allowed")
                    + "; a name is a token: letters, digits and !#$%&'*+-.^_`|~");
        }
        int badValue = HttpHeaderValidationUtil.validateValidHeaderValue(value);
        if (badValue >= 0) {
            throw new IllegalArgumentException("invalid value for header " + name + ": character " + (badValue + 1)
                    + " of \"" + LogText.escape(value) + "\" is not allowed"
                    + " (no control character but tab, no space or tab first)");
        }
        headers.put(name.toLowerCase(Locale.ROOT), new String[] {name, value});
        return this;
    }

    @Override
    public Response write(CharSequence text) {
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        // A fresh array that no one else holds: kept as it is when it is big enough.
        append(bytes, bytes.length >= BLOCK);
        return this;
    }

    @Override
    public Response write(byte[] bytes) {
        append(bytes, false);
        return this;
    }

    private void append(byte[] bytes, boolean owned) {
        if (size + bytes.length > maxBodyBytes) {
            // Remembered, not only thrown: a script that catches the exception still gets a 500.
            refused += bytes.length;
            throw new ResponseTooLargeException(size + bytes.length, maxBodyBytes);
        }
        size += bytes.length;
        if (bytes.length >= BLOCK) {
            sealBlock();
            chunks.add(owned ? bytes : bytes.clone());
            return;
        }
        if (block == null || block.length - blockUsed < bytes.length) {
            // Small first (most answers are a few hundred bytes), doubling up to BLOCK.
            int capacity = block == null && chunks.isEmpty() ? FIRST_BLOCK : Math.min(BLOCK, 2 * lastBlock);
            sealBlock();
            lastBlock = Math.max(capacity, bytes.length);
            block = new byte[lastBlock];
        }
        System.arraycopy(bytes, 0, block, blockUsed, bytes.length);
        blockUsed += bytes.length;
    }

    private void sealBlock() {
        if (block != null) {
            chunks.add(blockUsed == block.length ? block : Arrays.copyOf(block, blockUsed));
            block = null;
            blockUsed = 0;
        }
    }

    public int status() {
        return status;
    }

    /** Header name (as the script wrote it) to value. */
    public Map<String, String> headers() {
        Map<String, String> out = new LinkedHashMap<>();
        headers.values().forEach(pair -> out.put(pair[0], pair[1]));
        return out;
    }

    /** Bytes of body written. */
    public long size() {
        return size;
    }

    /** Whether the script tried to write past the bound (then the response must not be sent). */
    public boolean overflowed() {
        return refused > 0;
    }

    /** The body as the chunks it was written in; none is empty. The response is complete. */
    public List<byte[]> chunks() {
        sealBlock();
        return Collections.unmodifiableList(chunks);
    }

    /** The body as one array (a copy: for callers that need one, such as the CLI). */
    public byte[] body() {
        byte[] body = new byte[Math.toIntExact(size)];
        int at = 0;
        for (byte[] chunk : chunks()) {
            System.arraycopy(chunk, 0, body, at, chunk.length);
            at += chunk.length;
        }
        return body;
    }
}
