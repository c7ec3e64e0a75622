package dev.infrakit.examples.springboot;

import dev.infrakit.auth.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DataDirectoryTest {
    @TempDir
    Path dir;

    @Test
    void aSecondStartKeepsTheKeysItFound() throws Exception {
        SigningKey first = DataDirectory.prepare(dir);
        List<String> before = List.of(Files.readString(dir.resolve("master.key")),
                Files.readString(dir.resolve("audit.key")), Files.readString(dir.resolve("token-signing-key.jwk")));
        SigningKey second = DataDirectory.prepare(dir);
        assertThat(second.toJwk()).isEqualTo(first.toJwk());
        assertThat(List.of(Files.readString(dir.resolve("master.key")), Files.readString(dir.resolve("audit.key")),
                Files.readString(dir.resolve("token-signing-key.jwk")))).isEqualTo(before);
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void aSymbolicLinkWhereAKeyGoesIsRefusedNotFollowed() throws Exception {
        Path elsewhere = Files.writeString(Files.createTempFile(dir.getParent(), "victim", ".txt"), "untouched");
        try {
            Files.createDirectories(dir.resolve("data"));
            Files.createSymbolicLink(dir.resolve("data/audit.key"), elsewhere);
            assertThatThrownBy(() -> DataDirectory.prepare(dir.resolve("data")))
                    .hasMessageContaining("audit.key").hasMessageContaining("symbolic link");
            assertThat(Files.readString(elsewhere)).isEqualTo("untouched");
        } finally {
            Files.delete(elsewhere);
        }
    }
}
