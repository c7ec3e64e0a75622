package dev.infrakit.examples;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How {@link ApiServlet.RouteTable} finds a route: templates, methods, and the rules of path parameters. */
class RouteTableTest {
    private final ApiServlet.RouteTable routes = new ApiServlet.RouteTable()
            .param("app", Pattern.compile("[a-z]{1,10}"), "An app name is 1 to 10 of a-z.")
            .add("GET", "/api/v1/things", Set.of(), call -> { })
            .add("GET", "/api/v1/things/{app}", Set.of("user"), call -> { })
            .add("PUT", "/api/v1/things/{app}", Set.of("admin"), call -> { })
            .add("GET", "/api/v1/things/{app}/parts/{id}", Set.of("user"), call -> { });

    @Test
    void aRouteIsFoundByMethodAndTemplateWithItsDecodedParameters() {
        ApiServlet.RouteTable.Match match = routes.match("PUT", "/api/v1/things/abc");
        assertEquals("PUT", match.route().method());
        assertEquals(Set.of("admin"), match.route().roles());
        assertEquals(Map.of("app", "abc"), match.params());
        assertEquals(Map.of("app", "abc", "id", "a b/c"), routes.match("GET", "/api/v1/things/abc/parts/a%20b%2Fc")
                .params());
    }

    @Test
    void aKnownPathWithAnotherMethodIs405NamingTheMethodsItTakes() {
        HttpError e = assertThrows(HttpError.class, () -> routes.match("DELETE", "/api/v1/things/abc"));
        assertEquals(405, e.status);
        assertEquals(Map.of("Allow", "GET, PUT"), e.headers);
        assertTrue(e.getMessage().startsWith("DELETE is not allowed here"), e.getMessage());
        HttpError invented = assertThrows(HttpError.class, () -> routes.match("X".repeat(5000), "/api/v1/things"));
        assertEquals(405, invented.status);
        assertTrue(invented.getMessage().length() < 100, "the method is not echoed whole: " + invented.getMessage());
    }

    @Test
    void anUnknownPathIs404() {
        for (String path : List.of("/api/v1/nothing", "/api/v1/things/", "/api/v1/things/abc/parts", "/api/v1/things/a/b",
                "/api/v1/thingsx")) {
            HttpError e = assertThrows(HttpError.class, () -> routes.match("GET", path), path);
            assertEquals(404, e.status, path);
        }
    }

    @Test
    void aParameterBreakingItsRuleIs400NamingTheRuleBeforeAnyRoleCheck() {
        for (String path : List.of("/api/v1/things/ABC", "/api/v1/things/%00", "/api/v1/things/a%2Fb",
                "/api/v1/things/%zz", "/api/v1/things/" + "a".repeat(11))) {
            HttpError e = assertThrows(HttpError.class, () -> routes.match("GET", path), path);
            assertEquals(400, e.status, path);
            assertEquals("An app name is 1 to 10 of a-z.", e.getMessage(), path);
        }
        HttpError undecodable = assertThrows(HttpError.class, () -> routes.match("GET", "/api/v1/things/abc/parts/%zz"));
        assertEquals(400, undecodable.status);
        assertTrue(undecodable.getMessage().contains("{id}"), undecodable.getMessage());
    }

    @Test
    void theTemplatesAreListedOnceEachForTheMetricTags() {
        assertEquals(List.of("/api/v1/things", "/api/v1/things/{app}", "/api/v1/things/{app}/parts/{id}"),
                routes.templates());
    }
}
