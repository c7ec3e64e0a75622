package dev.infrakit.backup;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DirectorySourceIT {
    private static final String LONG_DIR = "a-rather-long-directory-name-to-push-the-path-beyond-one-hundred-bytes/"
            + "and-another-level-of-nesting-below-it";
    private static final String LONG_FILE = LONG_DIR + "/file-with-a-long-name-as-well.txt";

    @TempDir
    Path temp;
    Path data;
    Path repositoryDir;

    @BeforeEach
    void createTree() throws IOException {
        data = Files.createDirectories(temp.resolve("app data"));
        repositoryDir = Files.createDirectories(temp.resolve("repo"));
        write("README.txt", "hello\n");
        write("config/app.yml", "port: 8080\n");
        write("config/secrets/key.pem", "-----BEGIN KEY-----\n");
        write("logs/app.log", "log line\n");
        write("logs/old/app.1.log", "older\n");
        write("cache/blob.bin", "cached");
        write("empty.txt", "");
        write("unicode/ünïcødé €.txt", "ä\n");
        byte[] big = new byte[1_000_003];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31 + i / 7);
        }
        Files.write(data.resolve("big.bin"), big);
        write(LONG_FILE, "deep\n");
        Files.createDirectories(data.resolve("empty-dir"));
        Files.createSymbolicLink(data.resolve("link-to-readme"), Path.of("README.txt"));
        Files.setPosixFilePermissions(data.resolve("config/secrets/key.pem"), PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(write("run.sh", "#!/bin/sh\n"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.setLastModifiedTime(data.resolve("README.txt"), FileTime.from(Instant.parse("2026-01-02T03:04:05Z")));
    }

    private Path write(String relative, String content) throws IOException {
        Path file = data.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    private byte[] backup(DirectorySource source) throws IOException {
        TempDirRepository repository = new TempDirRepository(repositoryDir);
        Manifest manifest = repository.backup(source);
        assertEquals(List.of(source.artifactName()), manifest.artifacts().stream().map(Artifact::name).toList());
        assertTrue(manifest.rowCounts().isEmpty());
        return Files.readAllBytes(repository.file(manifest.id(), source.artifactName()));
    }

    @Test
    void archivesEveryFileWithRelativeNamesModesTimesAndLinks() throws IOException {
        DirectorySource source = DirectorySource.builder(data).build();
        assertEquals("directory:app_data", source.name());
        assertEquals("app_data.tar.gz", source.artifactName());
        Map<String, TinyTarReader.Entry> entries = new TreeMap<>();
        for (TinyTarReader.Entry e : TinyTarReader.readGzip(backup(source))) {
            entries.put(e.name(), e);
        }

        assertEquals(filesOnDisk(), entries.keySet().stream().filter(n -> !n.endsWith("/"))
                .filter(n -> entries.get(n).type() == '0').collect(Collectors.toCollection(java.util.TreeSet::new)));
        for (TinyTarReader.Entry e : entries.values()) {
            if (e.type() == '0') {
                assertArrayEquals(Files.readAllBytes(data.resolve(e.name())), e.content(), e.name());
            }
        }
        assertTrue(entries.containsKey(LONG_FILE) && LONG_FILE.length() > 100);
        assertEquals('5', entries.get("empty-dir/").type());
        assertEquals('5', entries.get("config/").type());
        assertEquals('2', entries.get("link-to-readme").type());
        assertEquals("README.txt", entries.get("link-to-readme").linkName());
        assertEquals(0600, entries.get("config/secrets/key.pem").mode());
        assertEquals(0750, entries.get("run.sh").mode());
        assertEquals(Instant.parse("2026-01-02T03:04:05Z").getEpochSecond(), entries.get("README.txt").mtime());
    }

    @Test
    void includeAndExcludePatterns() throws IOException {
        DirectorySource source = DirectorySource.builder(data).name("logs-and-config").include("{*.txt,**/*.txt}")
                .include("config/**").exclude("config/secrets").exclude("**/old").build();
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (TinyTarReader.Entry e : TinyTarReader.readGzip(backup(source))) {
            names.add(e.name());
        }
        assertEquals(new java.util.TreeSet<>(List.of("README.txt", LONG_FILE, "config/app.yml", "empty.txt",
                "unicode/ünïcødé €.txt")), names);
    }

    @Test
    void systemTarExtractsIdenticalFiles() throws Exception {
        Path archive = temp.resolve("archive.tar.gz");
        Files.write(archive, backup(DirectorySource.builder(data).exclude("cache").build()));
        Path out = Files.createDirectories(temp.resolve("extracted"));
        assertEquals(0, run(List.of("tar", "-xzf", archive.toString(), "-C", out.toString())));
        List<String> listed = new ArrayList<>();
        Process list = new ProcessBuilder("tar", "-tzf", archive.toString()).redirectErrorStream(true).start();
        try (var reader = list.inputReader(StandardCharsets.UTF_8)) {
            reader.lines().forEach(listed::add);
        }
        assertTrue(list.waitFor(30, TimeUnit.SECONDS) && list.exitValue() == 0, listed::toString);
        assertTrue(listed.contains(LONG_FILE), listed::toString);
        assertFalse(listed.stream().anyMatch(n -> n.startsWith("cache")), listed::toString);

        java.util.Set<String> expected = filesOnDisk();
        expected.removeIf(n -> n.startsWith("cache/"));
        assertEquals(expected, files(out));
        for (String name : expected) {
            assertArrayEquals(Files.readAllBytes(data.resolve(name)), Files.readAllBytes(out.resolve(name)), name);
        }
        assertTrue(Files.isSymbolicLink(out.resolve("link-to-readme")));
        assertEquals("hello\n", Files.readString(out.resolve("link-to-readme")));
        assertTrue(Files.isDirectory(out.resolve("empty-dir")));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("run.sh"))));
        assertEquals(Instant.parse("2026-01-02T03:04:05Z"), Files.getLastModifiedTime(out.resolve("README.txt")).toInstant());
    }

    @Test
    void aPathTooLongForUstarIsAClearError() throws IOException {
        String tooLong = "x".repeat(101) + ".txt";
        write("deep/" + tooLong, "x");
        BackupException e = assertThrows(BackupException.class,
                () -> new TempDirRepository(repositoryDir).backup(DirectorySource.builder(data).build()));
        assertTrue(e.getMessage().contains("Path too long for a ustar archive") && e.getMessage().contains(tooLong),
                e::getMessage);
    }

    @Test
    void aMissingRootIsAClearError() {
        Path missing = temp.resolve("missing");
        BackupException e = assertThrows(BackupException.class,
                () -> new TempDirRepository(repositoryDir).backup(DirectorySource.builder(missing).build()));
        assertTrue(e.getMessage().contains(missing + ": not a directory"), e::getMessage);
    }

    @Test
    void theBuilderValidatesAtOnce() {
        assertThrows(IllegalArgumentException.class, () -> DirectorySource.builder(data).name("no/slash"));
        assertThrows(IllegalArgumentException.class, () -> DirectorySource.builder(data).include("/abs/**"));
        assertThrows(IllegalArgumentException.class, () -> DirectorySource.builder(data).exclude("[unclosed"));
        assertThrows(IllegalStateException.class, () -> DirectorySource.builder(data).name("a").name("b"));
    }

    private java.util.Set<String> filesOnDisk() throws IOException {
        return files(data);
    }

    private static java.util.Set<String> files(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .map(p -> root.relativize(p).toString()).collect(Collectors.toCollection(java.util.TreeSet::new));
        }
    }

    private static int run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), output);
        assertEquals(0, p.exitValue(), output);
        return p.exitValue();
    }
}
