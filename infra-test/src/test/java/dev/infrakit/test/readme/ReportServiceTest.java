package dev.infrakit.test.readme;

// README infra-auth
import dev.infrakit.auth.AuthResult;
import dev.infrakit.auth.TokenVerifier;
import dev.infrakit.test.TestTokens;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ReportServiceTest {
    /** The code under test: only callers with the role reports:read get the report. */
    record ReportService(TokenVerifier tokens) {
        String download(String bearerToken) {
            AuthResult auth = tokens.verify(bearerToken);
            boolean reader = auth.ok() && auth.principal().roles().contains("reports:read");
            return reader ? "report for " + auth.principal().subject() : "403";
        }
    }

    @Test
    void onlyReadersWithAValidTokenGetTheReport() {
        TestTokens tokens = TestTokens.create();
        ReportService reports = new ReportService(tokens.verifier());
        assertEquals("report for alice", reports.download(tokens.issue("alice", "reports:read")));
        assertEquals("403", reports.download(tokens.issue("bob", "billing")));
        assertEquals("403", reports.download(tokens.expired("alice", "reports:read")));
        assertEquals("403", reports.download(tokens.forged("mallory", "reports:read")));
    }
}
// END README
