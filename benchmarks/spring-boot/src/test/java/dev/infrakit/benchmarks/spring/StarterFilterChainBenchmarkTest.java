package dev.infrakit.benchmarks.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.springframework.test.web.servlet.MockMvc;

/** The benchmark's slices start and answer as its scores say (the check its set-up runs). */
class StarterFilterChainBenchmarkTest {

    @Test
    void theSlicesAnswerAsTheBenchmarkSays() throws Exception {
        StarterFilterChainBenchmark.Slices slices = new StarterFilterChainBenchmark.Slices();
        slices.setUp();
        for (MockMvc mvc : new MockMvc[] {slices.mvcOnly, slices.handWired, slices.starter}) {
            assertThat(mvc.perform(StarterFilterChainBenchmark.request("10.0.0.1")).andReturn().getResponse().getStatus())
                    .isEqualTo(200);
        }
    }

    @Test
    void theCheckRefusesAChainWithoutInfrakitsFilters() {
        MockMvc bare = FilterChainSlices.mockMvc(FilterChainSlices.MvcOnly.class);
        MockMvc starter = FilterChainSlices.mockMvc(FilterChainSlices.Starter.class);
        assertThatThrownBy(() -> StarterFilterChainBenchmark.check(bare, starter, bare))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("headers");
        assertThatThrownBy(() -> StarterFilterChainBenchmark.check(bare, bare, bare))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("X-Content-Type-Options");
    }
}
