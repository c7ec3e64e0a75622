package dev.infrakit.benchmarks;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ReadListener;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletConnection;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpUpgradeHandler;
import jakarta.servlet.http.Part;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Benchmark support, not a container: an {@link HttpServletRequest} with its headers in a map
 * (names case-insensitive, as HTTP has them), attributes in a map and a body held in memory, built
 * once per benchmark thread and {@linkplain #recycle() recycled} between invocations, as a container
 * recycles its request objects. It implements what the servlet filters and the benchmark servlet
 * call; every other method throws {@link UnsupportedOperationException} naming itself, so a filter
 * that starts calling something new fails the benchmark instead of being measured against a
 * made-up answer. Not thread-safe: one per thread.
 */
final class BenchmarkServletRequest implements HttpServletRequest {
    private final String method;
    private final String requestUri;
    private final String remoteAddr;
    private final Map<String, List<String>> headers;
    private final Map<String, Object> attributes = new HashMap<>();
    private final Body body;

    private BenchmarkServletRequest(Builder b) {
        this.method = b.method;
        this.requestUri = b.requestUri;
        this.remoteAddr = b.remoteAddr;
        this.headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        b.headers.forEach((name, values) -> headers.put(name, List.copyOf(values)));
        this.body = new Body(b.body);
    }

    static Builder builder(String method, String requestUri) {
        return new Builder(method, requestUri);
    }

    /** Back to the state it was built in: no attributes, the body unread. */
    void recycle() {
        attributes.clear();
        body.rewind();
    }

    /** The number of body bytes read so far (to check the servlet read all of them). */
    int bodyBytesRead() {
        return body.position;
    }

    @Override
    public String getMethod() {
        return method;
    }

    @Override
    public String getRequestURI() {
        return requestUri;
    }

    @Override
    public String getContextPath() {
        return "";
    }

    @Override
    public String getServletPath() {
        return requestUri;
    }

    @Override
    public String getPathInfo() {
        return null;
    }

    @Override
    public String getQueryString() {
        return null;
    }

    @Override
    public String getProtocol() {
        return "HTTP/1.1";
    }

    @Override
    public String getScheme() {
        return "http";
    }

    @Override
    public boolean isSecure() {
        return false;
    }

    @Override
    public String getRemoteAddr() {
        return remoteAddr;
    }

    @Override
    public String getHeader(String name) {
        List<String> values = headers.get(name);
        return values == null ? null : values.get(0);
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
        List<String> values = headers.get(name);
        return values == null ? Collections.emptyEnumeration() : Collections.enumeration(values);
    }

    @Override
    public Enumeration<String> getHeaderNames() {
        return Collections.enumeration(headers.keySet());
    }

    @Override
    public int getIntHeader(String name) {
        String value = getHeader(name);
        return value == null ? -1 : Integer.parseInt(value.strip());
    }

    @Override
    public String getContentType() {
        return getHeader("Content-Type");
    }

    @Override
    public int getContentLength() {
        return (int) Math.min(Integer.MAX_VALUE, getContentLengthLong());
    }

    @Override
    public long getContentLengthLong() {
        String value = getHeader("Content-Length");
        return value == null ? -1 : Long.parseLong(value.strip());
    }

    @Override
    public String getCharacterEncoding() {
        return null;
    }

    @Override
    public ServletInputStream getInputStream() {
        return body;
    }

    @Override
    public BufferedReader getReader() {
        return new BufferedReader(new InputStreamReader(body, StandardCharsets.ISO_8859_1));
    }

    @Override
    public Object getAttribute(String name) {
        return attributes.get(name);
    }

    @Override
    public Enumeration<String> getAttributeNames() {
        return Collections.enumeration(new ArrayList<>(attributes.keySet()));
    }

    @Override
    public void setAttribute(String name, Object value) {
        if (value == null) {
            attributes.remove(name);
        } else {
            attributes.put(name, value);
        }
    }

    @Override
    public void removeAttribute(String name) {
        attributes.remove(name);
    }

    @Override
    public DispatcherType getDispatcherType() {
        return DispatcherType.REQUEST;
    }

    @Override
    public boolean isAsyncSupported() {
        return true;
    }

    @Override
    public boolean isAsyncStarted() {
        return false;
    }

    @Override
    public Principal getUserPrincipal() {
        return null;
    }

    @Override
    public String getRemoteUser() {
        return null;
    }

    @Override
    public String getAuthType() {
        return null;
    }

    @Override
    public Locale getLocale() {
        return Locale.ROOT;
    }

    // Not needed by the filters or the benchmark servlet: refused, naming the method.

    private static UnsupportedOperationException unsupported(String method) {
        return refused("BenchmarkServletRequest", method);
    }

    /**
     * What a benchmark fake throws for a method the benchmarked filters and servlet never call, so
     * a filter that starts calling it fails the benchmark's set-up instead of measuring a made-up answer.
     */
    static UnsupportedOperationException refused(String fake, String method) {
        return new UnsupportedOperationException(fake + "." + method
                + " is outside what the benchmarked filters call; the fake refuses it");
    }

    @Override
    public Cookie[] getCookies() {
        throw unsupported("getCookies");
    }

    @Override
    public long getDateHeader(String name) {
        throw unsupported("getDateHeader");
    }

    @Override
    public String getPathTranslated() {
        throw unsupported("getPathTranslated");
    }

    @Override
    public boolean isUserInRole(String role) {
        throw unsupported("isUserInRole");
    }

    @Override
    public String getRequestedSessionId() {
        throw unsupported("getRequestedSessionId");
    }

    @Override
    public StringBuffer getRequestURL() {
        throw unsupported("getRequestURL");
    }

    @Override
    public HttpSession getSession(boolean create) {
        throw unsupported("getSession");
    }

    @Override
    public HttpSession getSession() {
        throw unsupported("getSession");
    }

    @Override
    public String changeSessionId() {
        throw unsupported("changeSessionId");
    }

    @Override
    public boolean isRequestedSessionIdValid() {
        throw unsupported("isRequestedSessionIdValid");
    }

    @Override
    public boolean isRequestedSessionIdFromCookie() {
        throw unsupported("isRequestedSessionIdFromCookie");
    }

    @Override
    public boolean isRequestedSessionIdFromURL() {
        throw unsupported("isRequestedSessionIdFromURL");
    }

    @Override
    public boolean authenticate(HttpServletResponse response) {
        throw unsupported("authenticate");
    }

    @Override
    public void login(String username, String password) {
        throw unsupported("login");
    }

    @Override
    public void logout() {
        throw unsupported("logout");
    }

    @Override
    public Collection<Part> getParts() {
        throw unsupported("getParts");
    }

    @Override
    public Part getPart(String name) {
        throw unsupported("getPart");
    }

    @Override
    public <T extends HttpUpgradeHandler> T upgrade(Class<T> handlerClass) {
        throw unsupported("upgrade");
    }

    @Override
    public void setCharacterEncoding(String encoding) {
        throw unsupported("setCharacterEncoding");
    }

    @Override
    public String getParameter(String name) {
        throw unsupported("getParameter");
    }

    @Override
    public Enumeration<String> getParameterNames() {
        throw unsupported("getParameterNames");
    }

    @Override
    public String[] getParameterValues(String name) {
        throw unsupported("getParameterValues");
    }

    @Override
    public Map<String, String[]> getParameterMap() {
        throw unsupported("getParameterMap");
    }

    @Override
    public String getServerName() {
        throw unsupported("getServerName");
    }

    @Override
    public int getServerPort() {
        throw unsupported("getServerPort");
    }

    @Override
    public String getRemoteHost() {
        throw unsupported("getRemoteHost");
    }

    @Override
    public Enumeration<Locale> getLocales() {
        throw unsupported("getLocales");
    }

    @Override
    public RequestDispatcher getRequestDispatcher(String path) {
        throw unsupported("getRequestDispatcher");
    }

    @Override
    public int getRemotePort() {
        throw unsupported("getRemotePort");
    }

    @Override
    public String getLocalName() {
        throw unsupported("getLocalName");
    }

    @Override
    public String getLocalAddr() {
        throw unsupported("getLocalAddr");
    }

    @Override
    public int getLocalPort() {
        throw unsupported("getLocalPort");
    }

    @Override
    public ServletContext getServletContext() {
        throw unsupported("getServletContext");
    }

    @Override
    public AsyncContext startAsync() {
        throw unsupported("startAsync");
    }

    @Override
    public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
        throw unsupported("startAsync");
    }

    @Override
    public AsyncContext getAsyncContext() {
        throw unsupported("getAsyncContext");
    }

    @Override
    public String getRequestId() {
        throw unsupported("getRequestId");
    }

    @Override
    public String getProtocolRequestId() {
        throw unsupported("getProtocolRequestId");
    }

    @Override
    public ServletConnection getServletConnection() {
        throw unsupported("getServletConnection");
    }

    /** The body, read from memory; rewound by {@link #recycle()}. */
    private static final class Body extends ServletInputStream {
        private final byte[] bytes;
        private int position;

        Body(byte[] bytes) {
            this.bytes = bytes;
        }

        void rewind() {
            position = 0;
        }

        @Override
        public int read() {
            return position < bytes.length ? bytes[position++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            if (position >= bytes.length) {
                return -1;
            }
            int n = Math.min(len, bytes.length - position);
            System.arraycopy(bytes, position, b, off, n);
            position += n;
            return n;
        }

        @Override
        public long skip(long n) {
            int skipped = (int) Math.max(0, Math.min(n, bytes.length - position));
            position += skipped;
            return skipped;
        }

        @Override
        public int available() {
            return bytes.length - position;
        }

        @Override
        public boolean isFinished() {
            return position >= bytes.length;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
            throw unsupported("getInputStream().setReadListener");
        }
    }

    /** Builds a request: method, path, peer address, headers and body. */
    static final class Builder {
        private final String method;
        private final String requestUri;
        private String remoteAddr = "192.0.2.1";
        private final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        private byte[] body = new byte[0];

        private Builder(String method, String requestUri) {
            this.method = Objects.requireNonNull(method, "method");
            this.requestUri = Objects.requireNonNull(requestUri, "requestUri");
        }

        Builder remoteAddr(String address) {
            this.remoteAddr = Objects.requireNonNull(address, "address");
            return this;
        }

        /** Adds a field line (a second one of the same name is a second value). */
        Builder header(String name, String value) {
            headers.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
            return this;
        }

        /** The body, with its {@code Content-Length}. */
        Builder body(byte[] bytes) {
            this.body = bytes.clone();
            return header("Content-Length", Integer.toString(bytes.length));
        }

        BenchmarkServletRequest build() {
            return new BenchmarkServletRequest(this);
        }
    }
}
