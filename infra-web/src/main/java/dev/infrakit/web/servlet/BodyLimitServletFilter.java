package dev.infrakit.web.servlet;

import dev.infrakit.core.http.Problem;
import dev.infrakit.web.BodyLimit;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Applies a {@link BodyLimit} to requests, without reading any body into memory:
 *
 * <ul>
 *   <li>a {@code Content-Length} over the limit is answered 413 before the servlet runs, and a
 *       malformed one (negative, not digits, too many digits, given twice) 400 naming the header;</li>
 *   <li>a body without a declared length (chunked) is counted as the servlet reads it through
 *       {@code getInputStream()} or {@code getReader()}: the read that passes the limit throws
 *       {@link dev.infrakit.web.BodyTooLargeException} (an {@code IOException}), and the filter
 *       answers 413 if the response is not committed yet, whether the servlet let the exception
 *       through or caught it.</li>
 * </ul>
 *
 * <p>Every answer is problem+json with the security headers ({@link ProblemResponses}) and
 * {@code Connection: close}. Before answering a declared length over the limit, the filter reads
 * and discards the body if it declares at most {@link #SWALLOW_BYTES} more than the limit (as
 * Tomcat's {@code maxSwallowSize} does): a server that closes a connection with unread bytes resets
 * it, and a client still sending its body then loses the 413 to the reset. A larger declared body is
 * not read: the 413 is sent and the connection closed. A client that stops sending holds the
 * thread until the container's read timeout, as any body being read does. Bodies the container parses
 * itself (form parameters read through {@code getParameter}) bypass the counting stream: the
 * declared-length check still applies to them, and the container's own form-size limit (Jetty's
 * {@code maxFormContentSize}, Tomcat's {@code maxPostSize}) bounds a chunked form.
 *
 * <pre>{@code
 * context.addFilter("bodyLimit", BodyLimitServletFilter.of(BodyLimit.of(64 * 1024)))
 *        .addMappingForUrlPatterns(BodyLimitServletFilter.DISPATCHER_TYPES, true, "/*");
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class BodyLimitServletFilter implements Filter {
    /**
     * The dispatches this filter should be mapped for: {@code REQUEST}, and {@code ASYNC} so that a
     * request resumed by an async dispatch (after a {@link RateLimitServletFilter} delay) is limited
     * too.
     */
    public static final EnumSet<DispatcherType> DISPATCHER_TYPES = EnumSet.of(DispatcherType.REQUEST,
            DispatcherType.ASYNC);

    /** The most bytes beyond the limit a refused declared body is read and discarded: 1 MiB, as the JDK adapter drains. */
    public static final long SWALLOW_BYTES = 1024L * 1024;

    private final BodyLimit limit;
    private final ProblemResponses problems;

    private BodyLimitServletFilter(BodyLimit limit, ProblemResponses problems) {
        this.limit = limit;
        this.problems = problems;
    }

    /**
     * A filter applying {@code limit}, answering with {@link ProblemResponses#defaults()}.
     *
     * @throws NullPointerException if {@code limit} is null
     */
    public static BodyLimitServletFilter of(BodyLimit limit) {
        return of(limit, ProblemResponses.defaults());
    }

    /**
     * A filter applying {@code limit}, answering through {@code problems} (and so with their
     * security headers).
     *
     * @throws NullPointerException if an argument is null
     */
    public static BodyLimitServletFilter of(BodyLimit limit, ProblemResponses problems) {
        return new BodyLimitServletFilter(Objects.requireNonNull(limit, "limit"),
                Objects.requireNonNull(problems, "problems"));
    }

    /** The limit applied. */
    public BodyLimit limit() {
        return limit;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest) || !(response instanceof HttpServletResponse)) {
            chain.doFilter(request, response);
            return;
        }
        HttpServletRequest http = (HttpServletRequest) request;
        HttpServletResponse answer = (HttpServletResponse) response;
        List<String> declared = Collections.list(http.getHeaders("Content-Length"));
        Optional<Problem> refused = limit.checkDeclared(declared);
        if (refused.isPresent()) {
            if (refused.get().status() == 413) {
                swallow(http, Long.parseLong(declared.get(0).strip()));
            }
            refuse(answer, refused.get());
            return;
        }
        LimitedRequest limited = new LimitedRequest(http, limit);
        try {
            chain.doFilter(limited, response);
        } catch (IOException | ServletException | RuntimeException e) {
            if (limited.exceeded() && !answer.isCommitted()) {
                refuse(answer, limit.tooLarge());
                return;
            }
            throw e;
        }
        if (limited.exceeded() && !answer.isCommitted()) {
            refuse(answer, limit.tooLarge());
        }
    }

    /**
     * Reads and discards a refused body of {@code length} bytes when it is at most
     * {@link #SWALLOW_BYTES} over the limit, so the connection closes cleanly after the 413.
     */
    private void swallow(HttpServletRequest request, long length) {
        if (length - limit.maxBytes() > SWALLOW_BYTES) {
            return;
        }
        byte[] buffer = new byte[8192];
        long left = length;
        try (InputStream body = request.getInputStream()) {
            while (left > 0) {
                int n = body.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    return;
                }
                left -= n;
            }
        } catch (IOException | RuntimeException e) {
            // The client went away or stalled past the read timeout: the 413 is sent anyway.
        }
    }

    private void refuse(HttpServletResponse response, Problem problem) throws IOException {
        // Connection: close, so the container does not read the rest of a refused body to keep the
        // connection for another request.
        problems.send(response, problem, true);
    }

    @Override
    public String toString() {
        return "BodyLimitServletFilter[" + limit.maxBytes() + " bytes]";
    }
}
