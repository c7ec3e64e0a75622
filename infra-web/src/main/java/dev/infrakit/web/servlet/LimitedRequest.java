package dev.infrakit.web.servlet;

import dev.infrakit.web.BodyLimit;
import dev.infrakit.web.BodyTooLargeException;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UnsupportedEncodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;

/**
 * A request whose body is read through {@link BodyLimit#limit}; remembers whether a read passed the
 * limit, so the filter answers 413 even when the servlet caught the exception. One request is read
 * by one thread at a time (the Servlet rule); the flag is volatile because an async servlet may read
 * on another thread than the one the filter returns on.
 */
final class LimitedRequest extends HttpServletRequestWrapper {
    private final BodyLimit limit;
    private volatile boolean exceeded;
    private Stream stream;
    private BufferedReader reader;

    LimitedRequest(HttpServletRequest request, BodyLimit limit) {
        super(request);
        this.limit = limit;
    }

    boolean exceeded() {
        return exceeded;
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
        if (stream == null) {
            stream = new Stream(super.getInputStream());
        }
        return stream;
    }

    @Override
    public BufferedReader getReader() throws IOException {
        if (reader == null) {
            // Over our counted stream, which comes from super.getInputStream(): the container still
            // enforces its "getInputStream or getReader, not both" rule.
            reader = new BufferedReader(new InputStreamReader(getInputStream(), charset()));
        }
        return reader;
    }

    private Charset charset() throws UnsupportedEncodingException {
        String name = getCharacterEncoding();
        if (name == null) {
            return StandardCharsets.ISO_8859_1;
        }
        try {
            return Charset.forName(name);
        } catch (UnsupportedCharsetException | java.nio.charset.IllegalCharsetNameException e) {
            throw new UnsupportedEncodingException("The request's character encoding is not supported");
        }
    }

    /** The container's stream, counted; readiness and listeners are the container's. */
    private final class Stream extends ServletInputStream {
        private final ServletInputStream container;
        private final InputStream counted;

        Stream(ServletInputStream container) {
            this.container = container;
            this.counted = limit.limit(container);
        }

        @Override
        public int read() throws IOException {
            try {
                return counted.read();
            } catch (BodyTooLargeException e) {
                exceeded = true;
                throw e;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return counted.read(b, off, len);
            } catch (BodyTooLargeException e) {
                exceeded = true;
                throw e;
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                return counted.skip(n);
            } catch (BodyTooLargeException e) {
                exceeded = true;
                throw e;
            }
        }

        @Override
        public int available() throws IOException {
            return container.available();
        }

        @Override
        public boolean isFinished() {
            return container.isFinished();
        }

        @Override
        public boolean isReady() {
            return container.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            container.setReadListener(listener);
        }

        @Override
        public void close() throws IOException {
            container.close();
        }
    }
}
