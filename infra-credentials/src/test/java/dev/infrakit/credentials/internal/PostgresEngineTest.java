package dev.infrakit.credentials.internal;

import dev.infrakit.credentials.PostgresCredentialStore;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PostgresEngineTest {

    @Test
    void prefixesBecomeLikePatternsThatMatchLiterally() {
        assertEquals("%", PostgresEngine.likePrefix(""));
        assertEquals("apps/%", PostgresEngine.likePrefix("apps/"));
        assertEquals("a!_b!%c!!%", PostgresEngine.likePrefix("a_b%c!"));
    }

    @Test
    void theShippedSchemaIsIdempotent() {
        String sql = PostgresCredentialStore.schemaSql();
        assertTrue(sql.contains("CREATE TABLE IF NOT EXISTS infrakit_credential ("), sql);
        assertTrue(sql.contains("CREATE TABLE IF NOT EXISTS infrakit_credential_version ("), sql);
        assertTrue(sql.contains("CREATE INDEX IF NOT EXISTS infrakit_credential_name_prefix"), sql);
        assertEquals(sql.split("CREATE ", -1).length - 1, sql.split("IF NOT EXISTS", -1).length - 1,
                "every CREATE is IF NOT EXISTS");
    }
}
