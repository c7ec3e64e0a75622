package dev.infrakit.web;

import dev.infrakit.core.http.Problem;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BodyLimitTest {
    private final BodyLimit limit = BodyLimit.of(10);

    @Test
    void aLimitBelowOneByteIsRefusedNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BodyLimit.of(0));
        assertEquals("maxBytes must be at least 1, got 0", e.getMessage());
    }

    @Test
    void noDeclaredLengthOrOneUpToTheLimitPasses() {
        assertEquals(Optional.empty(), limit.checkDeclared(List.of()));
        assertEquals(Optional.empty(), limit.checkDeclared(List.of("0")));
        assertEquals(Optional.empty(), limit.checkDeclared(List.of("10")));
        assertEquals(Optional.empty(), limit.checkDeclared(List.of(" 10 ")));
    }

    @Test
    void aDeclaredLengthOverTheLimitIs413() {
        Problem problem = limit.checkDeclared(List.of("11")).orElseThrow();
        assertEquals(413, problem.status());
        assertTrue(problem.toJson().contains("larger than 10 bytes"), problem.toJson());
        assertEquals(413, limit.checkDeclared(List.of("999999999999999999")).orElseThrow().status());
    }

    @Test
    void aMalformedDeclaredLengthIs400NamingTheHeaderWithoutEchoingIt() {
        for (String bad : List.of("-1", "+5", "abc", "", "5 5", "0x10", "1e3", "9999999999999999999",
                "99999999999999999999999999", "5\r\nX-Evil: 1", "5\u0000")) {
            Problem problem = limit.checkDeclared(List.of(bad)).orElseThrow(() -> new AssertionError(bad));
            assertEquals(400, problem.status(), bad);
            assertTrue(problem.toJson().contains("Content-Length"), problem.toJson());
            assertTrue(!problem.toJson().contains("Evil") && !problem.toJson().contains("abc"), problem.toJson());
        }
    }

    @Test
    void aLengthGivenTwiceIs400EvenWhenBothAgree() {
        assertEquals(400, limit.checkDeclared(List.of("5", "5")).orElseThrow().status());
        assertEquals(400, limit.checkDeclared(List.of("5", "6")).orElseThrow().status());
        assertEquals(400, limit.checkDeclared(List.of("5, 5")).orElseThrow().status());
    }

    @Test
    void aBodyOfExactlyTheLimitReadsWhole() throws IOException {
        byte[] body = "0123456789".getBytes();
        try (InputStream in = limit.limit(new ByteArrayInputStream(body))) {
            assertArrayEquals(body, in.readAllBytes());
        }
    }

    @Test
    void theReadThatPassesTheLimitThrowsAndSoDoesEveryReadAfter() throws IOException {
        InputStream in = limit.limit(new ByteArrayInputStream(new byte[11]));
        assertEquals(10, in.readNBytes(new byte[10], 0, 10));
        BodyTooLargeException e = assertThrows(BodyTooLargeException.class, in::read);
        assertEquals(10, e.maxBytes());
        assertEquals("The request body is larger than 10 bytes", e.getMessage());
        assertThrows(BodyTooLargeException.class, () -> in.read(new byte[4]));
        assertThrows(BodyTooLargeException.class, () -> in.skip(1));
    }

    @Test
    void bulkReadsAndSkipsAreCountedToo() throws IOException {
        InputStream in = limit.limit(new ByteArrayInputStream(new byte[100]));
        assertEquals(6, in.skip(6));
        assertThrows(BodyTooLargeException.class, () -> in.read(new byte[64], 0, 64));
    }

    @Test
    void anEndlessBodyIsReadOnlyOneBytePastTheLimit() throws IOException {
        CountingEndlessStream endless = new CountingEndlessStream();
        InputStream in = BodyLimit.of(1000).limit(endless);
        assertThrows(BodyTooLargeException.class, in::readAllBytes);
        assertEquals(1001, endless.served);
    }

    @Test
    void theTooLargeAnswerIsA413Problem() {
        assertEquals("{\"type\":\"about:blank\",\"title\":\"Content Too Large\",\"status\":413,"
                + "\"detail\":\"The request body is larger than 10 bytes.\"}", limit.tooLarge().toJson());
    }

    /** Serves zeros forever and counts them. */
    private static final class CountingEndlessStream extends InputStream {
        long served;

        @Override
        public int read() {
            served++;
            return 0;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            served += len;
            return len;
        }
    }
}
