package dev.infrakit.web.servlet;

import dev.infrakit.core.fixtures.BuilderContract;
import dev.infrakit.web.RouteTemplates;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HttpMetricsServletFilterTest {

    @Test
    void aSettingGivenTwiceIsRefusedByName() {
        assertEquals(Set.of("routes"), BuilderContract.of(() -> HttpMetricsServletFilter.builder(new SimpleMeterRegistry()))
                .value(RouteTemplates.class, RouteTemplates.of("/a")).check());
    }

    @Test
    void aRegistryIsRequired() {
        assertEquals("registry", assertThrows(NullPointerException.class,
                () -> HttpMetricsServletFilter.builder(null)).getMessage());
    }

    @Test
    void itNamesItsRoutes() {
        assertEquals("HttpMetricsServletFilter[/a, /b/{id}]", HttpMetricsServletFilter.builder(new SimpleMeterRegistry())
                .routes(RouteTemplates.of("/a", "/b/{id}")).build().toString());
    }
}
