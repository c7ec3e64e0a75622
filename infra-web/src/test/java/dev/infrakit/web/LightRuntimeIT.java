package dev.infrakit.web;

import dev.infrakit.core.fixtures.UserRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** infra-web brings only infra-core and SLF4J; the Servlet API is the container's (provided). */
class LightRuntimeIT {

    @Test
    void aUserGetsInfraCoreAndSlf4jOnly() throws Exception {
        assertEquals(Set.of("dev.infrakit:infra-core", "org.slf4j:slf4j-api"),
                UserRuntime.of(Path.of("target")).artifacts());
    }

    @Test
    void theNeutralCoreWorksWithoutTheServletApiOrMicrometer(@TempDir Path dir) throws Exception {
        String output = UserRuntime.of(Path.of("target")).run(LightWebMain.class, dir);
        assertTrue(output.contains("declared 5: 413"), output);
        assertTrue(output.contains("streamed 5: The request body is larger than 4 bytes"), output);
        assertTrue(output.contains("headers: 6"), output);
        assertTrue(output.contains("absent: jakarta.servlet.Filter"), output);
        assertTrue(output.contains("route: /users/{name} OTHER SERVER_ERROR"), output);
        assertTrue(output.contains("absent: micrometer"), output);
    }
}
