package dev.infrakit.examples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 over a plain socket, so a test can send what a client library refuses to (a NUL in a
 * header, an invented version, half a request line) and see every byte that comes back.
 */
final class RawHttp {
    private RawHttp() {
    }

    /** Sends {@code request} as ISO-8859-1 bytes to the port and reads the answer until the server closes. */
    static Answer exchange(int port, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (SocketException e) {
                // The server answered and closed before taking everything: read its answer.
            }
            return Answer.parse(readToEnd(socket.getInputStream()));
        }
    }

    /** Every byte until EOF (a reset after an answer keeps what arrived). */
    static byte[] readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) >= 0;) {
                all.write(buffer, 0, n);
            }
        } catch (SocketException e) {
            // reset by the server after it answered
        } catch (SocketTimeoutException e) {
            throw new AssertionError("The server neither answered nor closed the connection; received: '"
                    + new String(all.toByteArray(), StandardCharsets.ISO_8859_1) + "'", e);
        }
        return all.toByteArray();
    }

    /** An answer: its status (0 when nothing came back), head and body. */
    record Answer(int status, String head, String body) {
        static Answer parse(byte[] bytes) {
            String text = new String(bytes, StandardCharsets.UTF_8);
            if (text.isEmpty()) {
                return new Answer(0, "", "");
            }
            int end = text.indexOf("\r\n\r\n");
            String head = end < 0 ? text : text.substring(0, end);
            return new Answer(Integer.parseInt(head.split("\r\n", 2)[0].split(" ")[1]), head,
                    end < 0 ? "" : text.substring(end + 4));
        }

        /** The value of header {@code name}, or null. */
        String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }

        @Override
        public String toString() {
            return head + "\r\n\r\n" + body.substring(0, Math.min(body.length(), 2000));
        }
    }
}
