package dev.infrakit.spring.boot.web.slice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.infrakit.spring.boot.InfrakitRateLimitAutoConfiguration;
import dev.infrakit.spring.boot.web.InfrakitWebAutoConfiguration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.ApplicationContext;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;

/**
 * A {@code @WebMvcTest} slice gets the starter's filters as it gets Spring Security's: the security
 * headers and the body limit always, and both rate-limit stages when the slice has a
 * {@code RateLimiter} (here from {@link InfrakitRateLimitAutoConfiguration}, imported).
 */
class WebMvcSliceTest {

    @Nested
    @WebMvcTest(controllers = SliceApp.Hello.class, properties = "infrakit.web.body-limit.max-size=16B")
    class WithoutALimiter {
        @Autowired
        MockMvc mvc;
        @Autowired
        ApplicationContext context;

        @Test
        void answersCarryTheSecurityHeadersAndTheBodyLimitHolds() throws Exception {
            MockHttpServletResponse hello = mvc.perform(MockMvcRequestBuilders.get("/hello")).andReturn().getResponse();
            assertThat(hello.getStatus()).isEqualTo(200);
            assertThat(hello.getContentAsString()).isEqualTo("hello");
            assertThat(hello.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
            assertThat(hello.getHeader("RateLimit-Policy")).isNull();

            MockHttpServletResponse small = mvc.perform(MockMvcRequestBuilders.post("/items").content(new byte[16]))
                    .andReturn().getResponse();
            assertThat(small.getStatus()).isEqualTo(200);
            MockHttpServletResponse large = mvc.perform(MockMvcRequestBuilders.post("/items").content(new byte[17]))
                    .andReturn().getResponse();
            assertThat(large.getStatus()).isEqualTo(413);
            assertThat(large.getContentType()).startsWith("application/problem+json");
            assertThat(large.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");

            assertThat(context.containsBean(InfrakitWebAutoConfiguration.SECURITY_HEADERS)).isTrue();
            assertThat(context.containsBean(InfrakitWebAutoConfiguration.ADDRESS_RATE_LIMIT)).isFalse();
        }
    }

    @Nested
    @WebMvcTest(controllers = SliceApp.Hello.class, properties = {
            "infrakit.ratelimit.tiers=client,user,admin",
            "infrakit.ratelimit.tier.client.limits=2/1h",
            "infrakit.ratelimit.tier.user.limits=100/1h",
            "infrakit.ratelimit.tier.admin.limits=100/1h",
            "infrakit.web.address-rate-limit.tier=client"})
    @ImportAutoConfiguration(InfrakitRateLimitAutoConfiguration.class)
    class WithTheRateLimiter {
        @Autowired
        MockMvc mvc;

        @Test
        void thePerAddressStageRefusesTheThirdRequestOfAnAddress() throws Exception {
            for (int i = 0; i < 2; i++) {
                MockHttpServletResponse admitted = hello("10.1.2.3");
                assertThat(admitted.getStatus()).isEqualTo(200);
                assertThat(admitted.getHeader("RateLimit-Policy")).contains("client");
            }
            MockHttpServletResponse refused = hello("10.1.2.3");
            assertThat(refused.getStatus()).isEqualTo(429);
            assertThat(refused.getContentType()).startsWith("application/problem+json");
            assertThat(refused.getHeader("Retry-After")).isNotNull();
            assertThat(refused.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
            // Another address has its own budget.
            assertThat(hello("10.1.2.4").getStatus()).isEqualTo(200);
        }

        private MockHttpServletResponse hello(String address) throws Exception {
            return mvc.perform(MockMvcRequestBuilders.get("/hello").with(request -> {
                request.setRemoteAddr(address);
                return request;
            })).andReturn().getResponse();
        }
    }
}
