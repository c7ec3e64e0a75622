package dev.infrakit.web;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RouteTemplatesTest {
    private static final RouteTemplates DEMO = RouteTemplates.of("/api/v1/auth/login", "/api/v1/users",
            "/api/v1/users/{name}", "/api/v1/users/me", "/api/v1/users/{name}/roles", "/api/v1/credentials/{app}",
            "/api/v1/credentials/{app}/versions", "/api/v2/credentials/{app}", "/");

    @Test
    void aPathMatchesItsTemplateAndAVariableTakesExactlyOneSegment() {
        assertEquals("/api/v1/users", DEMO.match("/api/v1/users"));
        assertEquals("/api/v1/users/{name}", DEMO.match("/api/v1/users/alice"));
        assertEquals("/api/v1/credentials/{app}/versions", DEMO.match("/api/v1/credentials/billing/versions"));
        assertEquals("/api/v2/credentials/{app}", DEMO.match("/api/v2/credentials/x"));
        assertEquals("/", DEMO.match("/"));
        assertEquals("OTHER", DEMO.match("/api/v1/credentials/a/b"), "a variable never spans two segments");
        assertEquals("OTHER", DEMO.match("/api/v1/credentials"), "nor matches none");
        assertEquals("OTHER", DEMO.match("/api/v1/users/alice/photo"));
        assertEquals("OTHER", DEMO.match("/api/v3/credentials/x"));
        assertEquals("OTHER", DEMO.match("/API/v1/users"), "literals are case-sensitive");
        assertEquals("OTHER", RouteTemplates.of().match("/anything"), "no templates: everything is OTHER");
    }

    @Test
    void aLiteralIsPreferredAndTheVariableTriedWhenTheLiteralLeadsNowhere() {
        assertEquals("/api/v1/users/me", DEMO.match("/api/v1/users/me"));
        assertEquals("/api/v1/users/{name}/roles", DEMO.match("/api/v1/users/me/roles"));
    }

    @Test
    void anEmptyOrDotSegmentATrailingSlashOrAQueryIsOther() {
        for (String path : List.of("/api/v1/users/", "/api//v1/users", "/api/v1/users//", "/api/v1/users/.",
                "/api/v1/users/..", "/api/v1/credentials/../versions", "/api/v1/users?x=1", "/api/v1/users;jsessionid=1",
                "/api/v1/users/a;b", "api/v1/users", "", "//", "/api/v1/users#x")) {
            assertEquals("OTHER", DEMO.match(path), path);
        }
        assertEquals("OTHER", DEMO.match(null));
        assertEquals("/api/v1/users/{name}", DEMO.match("/api/v1/users/..."), "three dots is a name, not a dot segment");
    }

    @Test
    void hostileEncodingsAndCharactersAreOther() {
        for (String path : List.of("/api/v1/users/a%2Fb", "/api/v1/users/a%2fb", "/api/v1/users/a%5Cb",
                "/api/v1/users/%2E%2E", "/api/v1/users/%2e", "/api/v1/users/a%00", "/api/v1/users/a\u0000",
                "/api/v1/users/a%0A", "/api/v1/users/a%7F", "/api/v1/users/%252F", "/api/v1/users/a%2",
                "/api/v1/users/a%", "/api/v1/users/a%G0", "/api/v1/users/a b", "/api/v1/users/a\\b",
                "/api/v1/users/\u00e9", "/api/v1/users/\uff11", "/api/v1/users/a\r\nX: y", "/api/v1/users/{name}",
                "/api/v1/users/a<script>", "/api/v1/users/a\"b")) {
            assertEquals("OTHER", DEMO.match(path), path);
        }
        assertEquals("/api/v1/users/{name}", DEMO.match("/api/v1/users/caf%C3%A9"), "encoded UTF-8 is a name");
        assertEquals("/api/v1/users/{name}", DEMO.match("/api/v1/users/a%20b"));
        assertEquals("/api/v1/users/{name}", DEMO.match("/api/v1/users/a-b_c.d~e!$&'()*+,=:@"));
    }

    @Test
    void aHugeOrDeepPathIsOtherAfterOnePassAtMost() {
        String deep = "/a".repeat(10_000);
        assertEquals("OTHER", DEMO.match(deep));
        assertEquals("OTHER", DEMO.match("/api/v1/users/a/b" + "/a".repeat(1_000)), "deeper than any template, within the length");
        assertEquals("OTHER", DEMO.match("/api/v1/users/" + "x".repeat(1_000_000)));
        String longest = "/api/v1/users/" + "x".repeat(RouteTemplates.MAX_PATH_LENGTH - "/api/v1/users/".length());
        assertEquals("/api/v1/users/{name}", DEMO.match(longest), "a path of exactly the limit still matches");
        assertEquals("OTHER", DEMO.match(longest + "x"));
        // Templates that invite backtracking: each node is still visited at most once.
        RouteTemplates branching = RouteTemplates.of("/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/z", "/x/x/x/x/x/x/x/x/y",
                "/x/{b}/x/{d}/x/{f}/x/{h}/w");
        assertEquals("OTHER", branching.match("/x/x/x/x/x/x/x/x/q"));
        assertEquals("/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/z", branching.match("/x/x/x/x/x/x/x/x/z"));
        assertEquals("/x/{b}/x/{d}/x/{f}/x/{h}/w", branching.match("/x/x/x/x/x/x/x/x/w"));
    }

    @Test
    void randomPathsOnlyEverGiveATemplateOrOther() {
        SplittableRandom random = new SplittableRandom(20);
        String alphabet = "ab/%2F.\u0000;?{}é";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder path = new StringBuilder("/api/v1/");
            for (int n = random.nextInt(30); n > 0; n--) {
                path.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String tag = DEMO.match(path.toString());
            assertTrue(tag.equals("OTHER") || DEMO.templates().contains(tag), path + " -> " + tag);
        }
    }

    @Test
    void badTemplatesAreRefusedNamingTheTemplate() {
        assertEquals("A route template starts with '/', got 'api'",
                assertThrows(IllegalArgumentException.class, () -> RouteTemplates.of("api")).getMessage());
        assertEquals("Route template '/api/' has an empty segment (// or a trailing /)",
                assertThrows(IllegalArgumentException.class, () -> RouteTemplates.of("/api/")).getMessage());
        assertEquals("Route template '/a//b' has an empty segment (// or a trailing /)",
                assertThrows(IllegalArgumentException.class, () -> RouteTemplates.of("/a//b")).getMessage());
        assertEquals("Route template '/a/{id' has a segment that is neither a path segment nor a {name} variable: '{id'",
                assertThrows(IllegalArgumentException.class, () -> RouteTemplates.of("/a/{id")).getMessage());
        assertEquals("Route template '/a/x{id}' has a segment that is neither a path segment nor a {name} "
                + "variable: 'x{id}'", assertThrows(IllegalArgumentException.class,
                        () -> RouteTemplates.of("/a/x{id}")).getMessage());
        assertEquals("Route template '/a/..' has a segment that is neither a path segment nor a {name} variable: '..'",
                assertThrows(IllegalArgumentException.class, () -> RouteTemplates.of("/a/..")).getMessage());
        assertEquals("Route template '/a/{id}/b/{id}' names the variable 'id' twice",
                assertThrows(IllegalArgumentException.class, () -> RouteTemplates.of("/a/{id}/b/{id}")).getMessage());
        assertEquals("Route template '/a/{id}' is given twice",
                assertThrows(IllegalArgumentException.class, () -> RouteTemplates.of("/a/{id}", "/a/{id}")).getMessage());
        assertEquals("Route templates '/a/{id}' and '/a/{name}' match the same paths", assertThrows(
                IllegalArgumentException.class, () -> RouteTemplates.of("/a/{id}", "/a/{name}")).getMessage());
        assertEquals("A route template has at most 2048 characters, got 2049", assertThrows(
                IllegalArgumentException.class, () -> RouteTemplates.of("/" + "a".repeat(2048))).getMessage());
        assertThrows(NullPointerException.class, () -> RouteTemplates.of((String) null));
        assertThrows(NullPointerException.class, () -> RouteTemplates.of((String[]) null));
    }

    @Test
    void theTemplatesAreKeptInOrderAndTheArrayIsCopied() {
        String[] given = {"/b", "/a"};
        RouteTemplates routes = RouteTemplates.of(given);
        given[0] = "/c";
        assertEquals(List.of("/b", "/a"), routes.templates());
        assertEquals("/b", routes.match("/b"));
        assertEquals("RouteTemplates[/b, /a]", routes.toString());
    }
}
