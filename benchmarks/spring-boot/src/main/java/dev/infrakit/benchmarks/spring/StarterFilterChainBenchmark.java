package dev.infrakit.benchmarks.spring;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.ThreadParams;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.RequestBuilder;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;

/**
 * What infra-spring-boot costs per request beyond infra-web's filters: the same request through
 * the three {@link FilterChainSlices} (Spring MVC alone; infra-web's filters registered by hand;
 * the starter's registration of the same filters), each a {@code @WebMvcTest} slice driven through
 * its {@link MockMvc}. The request is a POST of a 256-byte JSON body to {@link ItemsController},
 * from a client address of its own per benchmark thread ({@code 10.0.0.<thread + 1>}).
 * {@code starter − handWired} is the starter's own per-request cost; {@code handWired − mvcOnly}
 * is infra-web's filters' inside Spring (compare {@code ServletFilterBenchmark}'s
 * {@code wholeChainWithoutAuth}, outside it). Set-up checks every slice answers 200, that the two
 * Infrakit chains give the same header names and that Spring MVC alone gives none of theirs, so
 * no score measures a different path ({@link #check}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class StarterFilterChainBenchmark {
    static final byte[] BODY = json(256);

    /** The three slices' MockMvc, shared by the threads as a container's filters are. */
    @State(Scope.Benchmark)
    public static class Slices {
        MockMvc mvcOnly;
        MockMvc handWired;
        MockMvc starter;

        /** Created by JMH. */
        public Slices() {
        }

        /**
         * Starts the three contexts and checks their answers.
         *
         * @throws Exception if a slice does not start or answers otherwise than expected
         */
        @Setup
        public void setUp() throws Exception {
            mvcOnly = FilterChainSlices.mockMvc(FilterChainSlices.MvcOnly.class);
            handWired = FilterChainSlices.mockMvc(FilterChainSlices.HandWired.class);
            starter = FilterChainSlices.mockMvc(FilterChainSlices.Starter.class);
            check(mvcOnly, handWired, starter);
        }
    }

    /** One thread's request. */
    @State(Scope.Thread)
    public static class Client {
        RequestBuilder request;

        /** Created by JMH. */
        public Client() {
        }

        /**
         * Builds the thread's request.
         *
         * @param params the thread's index gives its address
         */
        @Setup
        public void setUp(ThreadParams params) {
            request = request("10.0.0." + (params.getThreadIndex() + 1));
        }
    }

    /** Created by JMH. */
    public StarterFilterChainBenchmark() {
    }

    /**
     * Spring MVC alone.
     *
     * @return the answer's status
     */
    @Benchmark
    public int mvcOnly(Slices slices, Client client) throws Exception {
        return slices.mvcOnly.perform(client.request).andReturn().getResponse().getStatus();
    }

    /**
     * infra-web's filters registered by hand.
     *
     * @return the answer's status
     */
    @Benchmark
    public int handWired(Slices slices, Client client) throws Exception {
        return slices.handWired.perform(client.request).andReturn().getResponse().getStatus();
    }

    /**
     * The starter's filters.
     *
     * @return the answer's status
     */
    @Benchmark
    public int starter(Slices slices, Client client) throws Exception {
        return slices.starter.perform(client.request).andReturn().getResponse().getStatus();
    }

    /**
     * The benchmark's request from {@code address}.
     *
     * @param address the client address
     * @return a builder MockMvc builds a fresh request from on every perform
     */
    static RequestBuilder request(String address) {
        return MockMvcRequestBuilders.post("/api/v1/items")
                .contentType(MediaType.APPLICATION_JSON)
                .content(BODY)
                .header("Host", "api.example.com")
                .header("User-Agent", "bench/1.0")
                .accept(MediaType.APPLICATION_JSON)
                .with(r -> {
                    r.setRemoteAddr(address);
                    return r;
                });
    }

    /**
     * Checks the three slices answer the benchmark's request as the benchmark says.
     *
     * @throws IllegalStateException naming the difference otherwise
     */
    static void check(MockMvc mvcOnly, MockMvc handWired, MockMvc starter) throws Exception {
        RequestBuilder request = request("10.0.0.250");
        MockHttpServletResponse bare = answer(mvcOnly, request, "Spring MVC alone");
        MockHttpServletResponse byHand = answer(handWired, request, "infra-web's filters by hand");
        MockHttpServletResponse byStarter = answer(starter, request, "the starter's filters");
        if (!byHand.getHeaderNames().equals(byStarter.getHeaderNames())) {
            throw new IllegalStateException("the starter's chain answers with headers " + byStarter.getHeaderNames()
                    + ", the hand-wired chain with " + byHand.getHeaderNames());
        }
        for (String name : Arrays.asList("X-Content-Type-Options", "RateLimit-Policy")) {
            if (!byStarter.containsHeader(name) || bare.containsHeader(name)) {
                throw new IllegalStateException(name + " must be in the Infrakit chains' answers and not in Spring MVC's: "
                        + bare.getHeaderNames() + " / " + byStarter.getHeaderNames());
            }
        }
    }

    private static MockHttpServletResponse answer(MockMvc mvc, RequestBuilder request, String what) throws Exception {
        MockHttpServletResponse response = mvc.perform(request).andReturn().getResponse();
        String expected = "{\"received\":" + BODY.length + "}";
        if (response.getStatus() != 200 || !expected.equals(response.getContentAsString())) {
            throw new IllegalStateException(what + " answered " + response.getStatus() + " " + response.getContentAsString());
        }
        return response;
    }

    private static byte[] json(int size) {
        StringBuilder json = new StringBuilder("{\"name\":\"");
        while (json.length() < size - 2) {
            json.append('x');
        }
        return json.append("\"}").toString().getBytes(StandardCharsets.US_ASCII);
    }
}
