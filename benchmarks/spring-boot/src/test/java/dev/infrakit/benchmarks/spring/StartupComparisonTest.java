package dev.infrakit.benchmarks.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The comparison's two class paths differ by Infrakit's jars only, and each starts as it says. */
class StartupComparisonTest {

    @Test
    void theClassPathWithoutTheStarterLosesInfrakitsEntriesOnly() {
        List<String> entries = List.of(
                "/work/main/benchmarks/spring-boot/target/classes",
                "/work/main/infra-spring-boot/target/classes",
                "/work/main/infra-web/target/infra-web-0.1.0-SNAPSHOT.jar",
                "/root/.m2/repository/dev/infrakit/infra-core/0.1.0-SNAPSHOT/infra-core-0.1.0-SNAPSHOT.jar",
                "/root/.m2/repository/org/springframework/boot/spring-boot/4.2.0/spring-boot-4.2.0.jar",
                "/root/.m2/repository/io/micrometer/micrometer-core/1.18.0/micrometer-core-1.18.0.jar",
                "/root/.m2/repository/org/example/infra-red/1.0/not-infrakit-1.0.jar");
        assertThat(StartupComparison.withoutInfrakit(entries)).containsExactly(
                "/work/main/benchmarks/spring-boot/target/classes",
                "/root/.m2/repository/org/springframework/boot/spring-boot/4.2.0/spring-boot-4.2.0.jar",
                "/root/.m2/repository/io/micrometer/micrometer-core/1.18.0/micrometer-core-1.18.0.jar",
                "/root/.m2/repository/org/example/infra-red/1.0/not-infrakit-1.0.jar");
    }

    @Test
    void theApplicationStartsWithTheStartersBeansAndWithoutThem() throws Exception {
        // Surefire's own class path is one manifest jar: take the module's, as the README's command does.
        List<String> classPath = new ArrayList<>();
        classPath.add(Path.of("target", "classes").toAbsolutePath().toString());
        classPath.addAll(Arrays.asList(Files.readString(Path.of("target", "runtime-classpath.txt")).strip()
                .split(File.pathSeparator)));
        List<String> without = StartupComparison.withoutInfrakit(classPath);
        assertThat(without).hasSizeLessThan(classPath.size());

        StartupComparison.Start with = StartupComparison.start(classPath);
        StartupComparison.Start bare = StartupComparison.start(without);
        assertThat(with.infrakitBeans()).isGreaterThanOrEqualTo(5);
        assertThat(bare.infrakitBeans()).isZero();
        assertThat(with.beans()).isGreaterThan(bare.beans());
        assertThat(with.readyMillis()).isPositive();
        assertThat(bare.readyMillis()).isPositive();
    }

    @Test
    void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertThat(StartupComparison.median(new long[] {5, 1, 3})).isEqualTo(3.0);
        assertThat(StartupComparison.median(new long[] {4, 1, 3, 10})).isEqualTo(3.5);
    }
}
