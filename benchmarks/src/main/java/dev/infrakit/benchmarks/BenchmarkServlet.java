package dev.infrakit.benchmarks;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Benchmark support: the servlet at the end of every chain, doing what a small JSON endpoint does
 * with a POST: reads the whole body, answers 200 with a short JSON body and its length. The
 * baseline the filters are measured against.
 */
final class BenchmarkServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final byte[] ANSWER = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
    /** A read buffer per thread, so that reading the body allocates nothing in any benchmark. */
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[4096]);

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        byte[] scratch = SCRATCH.get();
        InputStream body = request.getInputStream();
        while (body.read(scratch) >= 0) {
            // Drained: the endpoint has read its input.
        }
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType("application/json");
        response.setContentLength(ANSWER.length);
        response.getOutputStream().write(ANSWER);
    }
}
