package dev.infrakit.examples;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * The smallest HTTP/1.1 server that keeps {@code loadtest}'s client busy: on a loopback port of its own, every
 * request (a request line and header fields, no body) is answered {@code 200} with a JSON body of
 * {@code bodyBytes} bytes, on keep-alive connections, a thread each. {@code loadtest} sends its first requests
 * here to warm its own code (the HTTP client, the schedule, the histogram) before it measures the service, so
 * a cold load generator does not pass for a cold service.
 */
final class LoopbackResponder implements AutoCloseable {
    private final byte[] answer;
    private final LoopbackServer server;

    LoopbackResponder(int bodyBytes) throws IOException {
        byte[] body = ("{\"value\":\"" + "x".repeat(Math.max(0, bodyBytes - 12)) + "\"}").getBytes(StandardCharsets.US_ASCII);
        byte[] head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        answer = new byte[head.length + body.length];
        System.arraycopy(head, 0, answer, 0, head.length);
        System.arraycopy(body, 0, answer, head.length, body.length);
        server = new LoopbackServer("loadtest-loopback", this::serve);
    }

    /** The URL requests to {@code path} go to. */
    URI uri(String path) {
        return server.uri(path);
    }

    /** Answers each request once its header ends (an empty line); bodies are not expected and not read. */
    private void serve(Socket s) {
        try (s; InputStream in = new BufferedInputStream(s.getInputStream()); OutputStream out = s.getOutputStream()) {
            int state = 0; // how much of CR LF CR LF has been seen
            for (int b = in.read(); b >= 0; b = in.read()) {
                state = b == '\r' ? (state == 2 ? 3 : 1) : b == '\n' && (state == 1 || state == 3) ? state + 1 : 0;
                if (state == 4) {
                    out.write(answer);
                    out.flush();
                    state = 0;
                }
            }
        } catch (IOException e) {
            // the client closed the connection
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
