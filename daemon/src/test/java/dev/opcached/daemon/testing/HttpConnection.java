package dev.opcached.daemon.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One connection to a pool's worker port that sends bytes exactly as a test writes them (an HTTP
 * client would encode a malformed path, refuse a long header or wait for each answer) and reads
 * the answers one at a time, so that a test can pipeline requests and check that each is answered
 * in order. Answers must carry a Content-Length, as the workers' do.
 */
public final class HttpConnection implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    /** One answer: its status, its headers (names in lower case) and its body. */
    public record Answer(int status, Map<String, String> headers, String body) {
        /** The pid of the worker that answered. */
        public String worker() {
            return headers.get("x-opcached-worker");
        }
    }

    private HttpConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
    }

    /** A new connection to the worker port of {@code pool}; a read waits at most 30 s. */
    public static HttpConnection open(PoolProcess pool) throws IOException {
        Socket socket = new Socket("127.0.0.1", pool.port());
        socket.setSoTimeout(30_000);
        return new HttpConnection(socket);
    }

    /** A GET of {@code target} as written, with a Host header and nothing else. */
    public static String get(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: test\r\n\r\n";
    }

    /** Writes {@code bytes} (ISO-8859-1) as they are. */
    public void send(String bytes) throws IOException {
        out.write(bytes.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Reads the next answer; fails if the connection ends before a whole one came. */
    public Answer read() throws IOException {
        String statusLine = line();
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IOException("not a status line: " + statusLine);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String header = line(); !header.isEmpty(); header = line()) {
            int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).strip().toLowerCase(Locale.ROOT), header.substring(colon + 1).strip());
        }
        String length = headers.get("content-length");
        if (length == null) {
            throw new IOException("an answer without Content-Length: " + statusLine + " " + headers);
        }
        byte[] body = in.readNBytes(Integer.parseInt(length));
        if (body.length < Integer.parseInt(length)) {
            throw new EOFException("the connection ended within the body of " + statusLine);
        }
        return new Answer(Integer.parseInt(parts[1]), headers, new String(body, StandardCharsets.UTF_8));
    }

    /** Whether the server has closed the connection: the next read finds its end (waits up to 30 s). */
    public boolean closedByServer() throws IOException {
        return in.read() < 0;
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("the connection ended within an answer's head");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
