package dev.infrakit.web.servlet;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Talks HTTP/1.1 to a server over a plain socket, so a test can send what an HTTP client library
 * refuses to (a negative or doubled {@code Content-Length}, a NUL in a header) and see the bytes
 * that came back. Shared with infra-web-tomcat-tests through infra-web's test-jar.
 */
public final class RawHttp {
    private final int port;

    /** A client of the server listening on {@code port} of 127.0.0.1. */
    public RawHttp(int port) {
        this.port = port;
    }

    /** Sends {@code head} (lines without the blank line) and {@code body}, reads the answer to EOF. */
    public Response send(String head, byte[] body) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write((head + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            try {
                out.write(body);
                out.flush();
            } catch (SocketException e) {
                // The server answered and closed before taking the whole body: read its answer.
            }
            return Response.parse(readAll(socket.getInputStream()));
        }
    }

    /** The head of a {@code GET} of {@code path} that asks the server to close the connection after it. */
    public static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close";
    }

    /** The head of a {@code POST} to {@code path} with {@code headers} (whole lines), closing the connection after it. */
    public static String post(String path, String... headers) {
        return "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close"
                + (headers.length == 0 ? "" : "\r\n" + String.join("\r\n", headers));
    }

    /** Sends {@code head} without a body, reads the answer to EOF. */
    public Response send(String head) throws IOException {
        return send(head, new byte[0]);
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) > 0;) {
                all.write(buffer, 0, n);
            }
        } catch (SocketException e) {
            // A reset after the answer arrived: keep what was read.
        }
        return all.toByteArray();
    }

    /** A chunked body of {@code size} bytes of 'x', sent in chunks of 1000. */
    public static byte[] chunked(int size) {
        StringBuilder b = new StringBuilder();
        for (int left = size; left > 0; left -= 1000) {
            int n = Math.min(1000, left);
            b.append(Integer.toHexString(n)).append("\r\n").append("x".repeat(n)).append("\r\n");
        }
        return b.append("0\r\n\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A parsed answer; {@code raw} is everything received. */
    public record Response(int status, List<String> headerLines, String body, String raw) {
        /** Parses everything received for one answer. */
        public static Response parse(byte[] bytes) {
            String raw = new String(bytes, StandardCharsets.ISO_8859_1);
            int end = raw.indexOf("\r\n\r\n");
            if (end < 0) {
                throw new AssertionError("No complete answer: '" + raw + "'");
            }
            String[] lines = raw.substring(0, end).split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            List<String> headers = new ArrayList<>(List.of(lines).subList(1, lines.length));
            String body = raw.substring(end + 4);
            Response r = new Response(status, headers, body, raw);
            if ("chunked".equalsIgnoreCase(r.header("Transfer-Encoding"))) {
                body = dechunk(body);
            }
            return new Response(status, headers, new String(body.getBytes(StandardCharsets.ISO_8859_1),
                    StandardCharsets.UTF_8), raw);
        }

        /** Every value of header {@code name}, one per header line, in order. */
        public List<String> headers(String name) {
            String prefix = name.toLowerCase(Locale.ROOT) + ":";
            List<String> values = new ArrayList<>();
            for (String line : headerLines) {
                if (line.toLowerCase(Locale.ROOT).startsWith(prefix)) {
                    values.add(line.substring(prefix.length()).strip());
                }
            }
            return values;
        }

        /** The first value of header {@code name}, or null. */
        public String header(String name) {
            List<String> values = headers(name);
            return values.isEmpty() ? null : values.get(0);
        }

        private static String dechunk(String chunked) {
            StringBuilder out = new StringBuilder();
            int at = 0;
            while (true) {
                int eol = chunked.indexOf("\r\n", at);
                int size = Integer.parseInt(chunked.substring(at, eol).split(";")[0].strip(), 16);
                if (size == 0) {
                    return out.toString();
                }
                out.append(chunked, eol + 2, eol + 2 + size);
                at = eol + 2 + size + 2;
            }
        }
    }
}
