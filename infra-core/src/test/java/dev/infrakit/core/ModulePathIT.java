package dev.infrakit.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The unit tests run on the class path; this test proves that infra-core works for a user on the
 * module path: a named module that declares only {@code provides} is found by {@link Providers}
 * (which adds the {@code uses} itself), the internal package stays inaccessible, and only SLF4J
 * is needed beside it: with none of its optional modules resolved, the built-in providers load.
 */
class ModulePathIT {

    private static final String MODULE_INFO = String.join("\n",
            "module it.greeting {",
            "    requires dev.infrakit.core;",
            "    exports it.greeting;",
            "    provides it.greeting.GreetingProvider with it.greeting.Hello;",
            "}");
    private static final String SPI = String.join("\n",
            "package it.greeting;",
            "public interface GreetingProvider extends dev.infrakit.core.Provider<String> {}");
    private static final String HELLO = String.join("\n",
            "package it.greeting;",
            "import dev.infrakit.core.Config;",
            "public final class Hello implements GreetingProvider {",
            "    public String name() { return \"hello\"; }",
            "    public String description() { return \"says hello\"; }",
            "    public String create(Config config) { return \"hello from module \" + config.getString(\"who\"); }",
            "}");
    private static final String MAIN = String.join("\n",
            "package it.greeting;",
            "import dev.infrakit.core.Config;",
            "import dev.infrakit.core.Providers;",
            "import java.util.Map;",
            "public final class Main {",
            "    public static void main(String[] args) throws Exception {",
            "        System.out.println(\"named: \" + Providers.class.getModule().getName());",
            "        System.out.println(Providers.load(GreetingProvider.class,",
            "                Config.of(Map.of(\"greeting.kind\", \"hello\", \"who\", \"it.greeting\")), \"greeting.kind\"));",
            "        System.out.println(\"health providers: \" + Providers.discover(",
            "                dev.infrakit.core.health.HealthCheckProvider.class).names());",
            "        System.out.println(\"notifiers: \" + Providers.discover(",
            "                dev.infrakit.core.notify.NotifierProvider.class).names());",
            "        System.out.println(\"optional modules resolved: \" + java.util.stream.Stream.of(\"com.zaxxer.hikari\",",
            "                \"micrometer.core\", \"jdk.httpserver\", \"java.net.http\")",
            "                .filter(m -> ModuleLayer.boot().findModule(m).isPresent()).toList());",
            "        try {",
            "            Class.forName(\"dev.infrakit.core.internal.SecretKeys\").getMethod(\"isSecret\", String.class)",
            "                    .invoke(null, \"password\");",
            "            System.out.println(\"internal: accessible\");",
            "        } catch (IllegalAccessException e) {",
            "            System.out.println(\"internal: hidden\");",
            "        }",
            "    }",
            "}");

    private static String location(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static String run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "timed out: " + command);
        assertEquals(0, process.exitValue(), command.get(0) + " failed:\n" + output);
        return output;
    }

    @Test
    void aNamedModuleUsesProvidersWithoutDeclaringUses(@TempDir Path dir) throws Exception {
        Set<String> modulePath = new LinkedHashSet<>();
        modulePath.add(location(Config.class));
        modulePath.add(location(org.slf4j.Logger.class));
        // Only what infra-core requires: its optional modules (HikariCP, Micrometer, the JDK's HTTP
        // server and client) are not resolved, and discovery loads every built-in provider anyway.

        Path src = Files.createDirectories(dir.resolve("src/it/greeting"));
        Files.writeString(dir.resolve("src/module-info.java"), MODULE_INFO);
        Files.writeString(src.resolve("GreetingProvider.java"), SPI);
        Files.writeString(src.resolve("Hello.java"), HELLO);
        Files.writeString(src.resolve("Main.java"), MAIN);
        Path out = dir.resolve("out");

        Path bin = Path.of(System.getProperty("java.home"), "bin");
        List<String> javac = new ArrayList<>(List.of(bin.resolve("javac").toString(), "--release", "17",
                "-d", out.toString(), "--module-path", String.join(File.pathSeparator, modulePath)));
        for (String f : List.of("module-info.java", "it/greeting/GreetingProvider.java", "it/greeting/Hello.java",
                "it/greeting/Main.java")) {
            javac.add(dir.resolve("src").resolve(f).toString());
        }
        run(javac);

        modulePath.add(out.toString());
        String output = run(List.of(bin.resolve("java").toString(), "--module-path",
                String.join(File.pathSeparator, modulePath), "-m", "it.greeting/it.greeting.Main"));
        assertTrue(output.contains("named: dev.infrakit.core"), output);
        assertTrue(output.contains("hello from module it.greeting"), output);
        assertTrue(output.contains("internal: hidden"), output);
        assertTrue(output.contains("health providers: [disk-space, heap, system-memory]"), output);
        assertTrue(output.contains("notifiers: [webhook, email, slf4j]"), output);
        assertTrue(output.contains("optional modules resolved: []"), output);
    }
}
