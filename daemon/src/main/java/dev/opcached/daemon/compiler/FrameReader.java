package dev.opcached.daemon.compiler;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the newline-terminated frames of the compiler channel, each at most a bound long. A frame
 * over the bound is skipped to its newline in constant memory and reported, so that one oversized
 * request costs its sender an error answer and the connection nothing else.
 */
final class FrameReader {
    /** A frame longer than the bound; the reader has skipped to the start of the next one. */
    static final class OversizedFrameException extends IOException {
        private static final long serialVersionUID = 1L;

        OversizedFrameException(String message) {
            super(message);
        }
    }

    private final InputStream in;
    private final int maxBytes;

    FrameReader(InputStream in, int maxBytes) {
        this.in = new BufferedInputStream(in, 64 * 1024);
        this.maxBytes = maxBytes;
    }

    /**
     * The next frame without its newline; null at the end of the stream (a last frame cut off
     * without its newline is not a frame: also null).
     *
     * @throws OversizedFrameException the frame was longer than the bound (and has been skipped)
     */
    byte[] next() throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(256);
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                return frame.toByteArray();
            }
            if (frame.size() == maxBytes) {
                long skipped = frame.size() + 1L;
                while ((b = in.read()) >= 0 && b != '\n') {
                    skipped++;
                }
                throw new OversizedFrameException("frame of " + (b < 0 ? "at least " : "") + skipped
                        + " bytes; a frame is at most " + maxBytes + " bytes");
            }
            frame.write(b);
        }
        return null;
    }
}
