package dev.infrakit.benchmarks;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletResponse;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Benchmark support, not a container: an {@link HttpServletResponse} that keeps status and headers
 * in fields and arrays (names case-insensitive, looked up by a scan, as Jetty's {@code HttpFields}
 * and Tomcat's {@code MimeHeaders} keep them) and counts the body bytes written instead of sending
 * them. Flushing commits it, as a container's does; {@link #reset()} refuses a committed response,
 * as the Servlet API says. Built once per benchmark thread and {@linkplain #recycle() recycled}
 * between invocations. What the filters and the benchmark servlet do not call throws
 * {@link UnsupportedOperationException} naming the method. Not thread-safe: one per thread.
 */
final class BenchmarkServletResponse implements HttpServletResponse {
    /** Header fields in the order set, as Jetty's {@code HttpFields} and Tomcat's {@code MimeHeaders} keep them. */
    private final Fields headers = new Fields();
    private final Body body = new Body();
    private int status = SC_OK;
    private String contentType;
    private boolean committed;
    private PrintWriter writer;

    /**
     * Completes the response as a container does (what the writer buffered is flushed and counted),
     * then back to a fresh one: status 200, no headers, nothing written, not committed. The writer
     * is kept, as containers keep theirs.
     */
    void recycle() {
        if (writer != null) {
            writer.flush();
        }
        clear();
        committed = false;
    }

    /** Body bytes written since the last {@link #recycle()}. */
    long bodyBytes() {
        return body.count;
    }

    private void clear() {
        headers.clear();
        status = SC_OK;
        contentType = null;
        body.count = 0;
    }

    @Override
    public void setStatus(int sc) {
        if (!committed) {
            status = sc;
        }
    }

    @Override
    public int getStatus() {
        return status;
    }

    @Override
    public void setHeader(String name, String value) {
        if (committed) {
            return;
        }
        headers.set(name, value);
    }

    @Override
    public void addHeader(String name, String value) {
        if (!committed && value != null) {
            headers.add(name, value);
        }
    }

    @Override
    public void setIntHeader(String name, int value) {
        setHeader(name, Integer.toString(value));
    }

    @Override
    public void addIntHeader(String name, int value) {
        addHeader(name, Integer.toString(value));
    }

    @Override
    public boolean containsHeader(String name) {
        return headers.indexOf(name, 0) >= 0;
    }

    @Override
    public String getHeader(String name) {
        int i = headers.indexOf(name, 0);
        return i < 0 ? null : headers.values[i];
    }

    @Override
    public Collection<String> getHeaders(String name) {
        List<String> values = new ArrayList<>();
        for (int i = headers.indexOf(name, 0); i >= 0; i = headers.indexOf(name, i + 1)) {
            values.add(headers.values[i]);
        }
        return values;
    }

    @Override
    public Collection<String> getHeaderNames() {
        Set<String> names = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        names.addAll(Arrays.asList(headers.names).subList(0, headers.size));
        return List.copyOf(names);
    }

    @Override
    public void setContentType(String type) {
        if (!committed) {
            contentType = type;
        }
    }

    @Override
    public String getContentType() {
        return contentType;
    }

    @Override
    public void setContentLength(int length) {
        setContentLengthLong(length);
    }

    @Override
    public void setContentLengthLong(long length) {
        // Kept as the header it becomes, as containers do.
        setHeader("Content-Length", length < 0 ? null : Long.toString(length));
    }

    @Override
    public String getCharacterEncoding() {
        return StandardCharsets.UTF_8.name();
    }

    @Override
    public ServletOutputStream getOutputStream() {
        return body;
    }

    @Override
    public PrintWriter getWriter() {
        if (writer == null) {
            writer = new PrintWriter(new OutputStreamWriter(body, StandardCharsets.UTF_8));
        }
        return writer;
    }

    @Override
    public boolean isCommitted() {
        return committed;
    }

    @Override
    public void flushBuffer() {
        committed = true;
    }

    @Override
    public void reset() {
        if (committed) {
            throw new IllegalStateException("The response is committed");
        }
        clear();
    }

    @Override
    public void resetBuffer() {
        if (committed) {
            throw new IllegalStateException("The response is committed");
        }
        body.count = 0;
    }

    @Override
    public void sendError(int sc, String message) {
        if (committed) {
            throw new IllegalStateException("The response is committed");
        }
        clear();
        status = sc;
        committed = true;
    }

    @Override
    public void sendError(int sc) {
        sendError(sc, null);
    }

    // Not needed by the filters or the benchmark servlet: refused, naming the method.

    private static UnsupportedOperationException unsupported(String method) {
        return BenchmarkServletRequest.refused("BenchmarkServletResponse", method);
    }

    @Override
    public void addCookie(Cookie cookie) {
        throw unsupported("addCookie");
    }

    @Override
    public String encodeURL(String url) {
        throw unsupported("encodeURL");
    }

    @Override
    public String encodeRedirectURL(String url) {
        throw unsupported("encodeRedirectURL");
    }

    @Override
    public void sendRedirect(String location) {
        throw unsupported("sendRedirect");
    }

    @Override
    public void setDateHeader(String name, long date) {
        throw unsupported("setDateHeader");
    }

    @Override
    public void addDateHeader(String name, long date) {
        throw unsupported("addDateHeader");
    }

    @Override
    public void setCharacterEncoding(String charset) {
        throw unsupported("setCharacterEncoding");
    }

    @Override
    public void setBufferSize(int size) {
        throw unsupported("setBufferSize");
    }

    @Override
    public int getBufferSize() {
        throw unsupported("getBufferSize");
    }

    @Override
    public void setLocale(Locale locale) {
        throw unsupported("setLocale");
    }

    @Override
    public Locale getLocale() {
        throw unsupported("getLocale");
    }

    /** Counts the bytes written; flushing commits the response. */
    private final class Body extends ServletOutputStream {
        private long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            Objects.checkFromIndexSize(off, len, b.length);
            count += len;
        }

        @Override
        public void flush() {
            committed = true;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            throw unsupported("getOutputStream().setWriteListener");
        }
    }

    /**
     * Header fields as containers keep a response's: two arrays in the order set, looked up by a
     * case-insensitive scan; {@code set} replaces the first field of the name and drops the others.
     */
    private static final class Fields {
        String[] names = new String[16];
        String[] values = new String[16];
        int size;

        int indexOf(String name, int from) {
            for (int i = from; i < size; i++) {
                if (names[i].equalsIgnoreCase(name)) {
                    return i;
                }
            }
            return -1;
        }

        void set(String name, String value) {
            int i = indexOf(name, 0);
            if (value == null) {
                removeFrom(name, 0);
            } else if (i < 0) {
                add(name, value);
            } else {
                values[i] = value;
                removeFrom(name, i + 1);
            }
        }

        void add(String name, String value) {
            if (size == names.length) {
                names = Arrays.copyOf(names, size * 2);
                values = Arrays.copyOf(values, size * 2);
            }
            names[size] = name;
            values[size] = value;
            size++;
        }

        private void removeFrom(String name, int from) {
            int kept = from;
            for (int i = from; i < size; i++) {
                if (!names[i].equalsIgnoreCase(name)) {
                    names[kept] = names[i];
                    values[kept] = values[i];
                    kept++;
                }
            }
            Arrays.fill(names, kept, size, null);
            Arrays.fill(values, kept, size, null);
            size = kept;
        }

        void clear() {
            Arrays.fill(names, 0, size, null);
            Arrays.fill(values, 0, size, null);
            size = 0;
        }
    }
}
