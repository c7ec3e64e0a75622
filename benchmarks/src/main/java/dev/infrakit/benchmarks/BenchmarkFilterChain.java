package dev.infrakit.benchmarks;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.Servlet;

import java.util.Objects;

/**
 * Benchmark support, not a container: builds a {@link FilterChain} as containers do, each filter
 * handed a chain that runs the rest and the servlet at the end. Built once and shared by the
 * benchmark threads; running it allocates nothing of its own.
 */
final class BenchmarkFilterChain {
    private BenchmarkFilterChain() {
    }

    /** {@code filters} in order, then {@code servlet}. */
    static FilterChain of(Servlet servlet, Filter... filters) {
        Objects.requireNonNull(servlet, "servlet");
        FilterChain chain = servlet::service;
        for (int i = filters.length - 1; i >= 0; i--) {
            Filter filter = Objects.requireNonNull(filters[i], "filter");
            FilterChain rest = chain;
            chain = (request, response) -> filter.doFilter(request, response, rest);
        }
        return chain;
    }
}
