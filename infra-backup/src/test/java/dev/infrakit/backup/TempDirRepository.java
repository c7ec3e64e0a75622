package dev.infrakit.backup;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A test-only repository in a directory: artifacts are hashed (SHA-256) while written, published by
 * moving the staging directory. No locking, no crash safety: just enough to exercise the sources
 * and the restore code against real files.
 */
final class TempDirRepository implements BackupRepository {
    private final Path root;
    private final Map<String, Manifest> manifests = new ConcurrentHashMap<>();

    TempDirRepository(Path root) {
        this.root = root;
    }

    /** Runs {@code source} into a new published backup and returns its manifest. */
    Manifest backup(BackupSource source) {
        Manifest running = Manifest.start(source.name(), BackupKind.MANUAL, Instant.now());
        try (Staging staging = begin(running)) {
            SourceInfo info = source.backup(staging);
            return staging.publish(running.complete(Instant.now(), staging.artifacts(), info));
        }
    }

    /** The stored file of an artifact (for tests that damage it). */
    Path file(String id, String artifact) {
        return root.resolve(id).resolve(artifact);
    }

    @Override
    public String name() {
        return "temp:" + root;
    }

    @Override
    public Staging begin(Manifest running) {
        Path dir = root.resolve("staging-" + running.id());
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Artifact> artifacts = new ArrayList<>();
        return new Staging() {
            @Override
            public OutputStream open(String name) throws IOException {
                Artifact.requireName(name);
                MessageDigest sha = sha256();
                OutputStream file = Files.newOutputStream(dir.resolve(name));
                long[] size = new long[1];
                return new FilterOutputStream(new DigestOutputStream(file, sha)) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                        size[0] += len;
                    }

                    @Override
                    public void write(int b) throws IOException {
                        out.write(b);
                        size[0]++;
                    }

                    private boolean closed;

                    @Override
                    public void close() throws IOException {
                        if (closed) {
                            return;
                        }
                        closed = true;
                        super.close();
                        synchronized (artifacts) {
                            artifacts.add(new Artifact(name, size[0], HexFormat.of().formatHex(sha.digest())));
                        }
                    }
                };
            }

            @Override
            public List<Artifact> artifacts() {
                synchronized (artifacts) {
                    return List.copyOf(artifacts);
                }
            }

            @Override
            public Manifest publish(Manifest complete) {
                try {
                    Files.move(dir, root.resolve(complete.id()));
                    Files.writeString(root.resolve(complete.id()).resolve("manifest.json"), complete.toJson());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                manifests.put(complete.id(), complete);
                return complete;
            }

            @Override
            public void fail(Manifest failed) {
                manifests.put(failed.id(), failed);
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public List<Manifest> list() {
        List<Manifest> all = new ArrayList<>(manifests.values());
        all.sort(Comparator.comparing(Manifest::started));
        return all;
    }

    @Override
    public Optional<Manifest> find(String id) {
        return Optional.ofNullable(manifests.get(id));
    }

    @Override
    public InputStream open(String id, String artifact) throws IOException {
        Path file = file(id, artifact);
        if (!manifests.containsKey(id) || !Files.exists(file)) {
            throw new BackupException("No artifact " + artifact + " in backup " + id);
        }
        return Files.newInputStream(file);
    }

    @Override
    public void update(Manifest manifest) {
        manifests.put(manifest.id(), manifest);
        try {
            Files.writeString(root.resolve(manifest.id()).resolve("manifest.json"), manifest.toJson(),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void delete(String id) {
        manifests.remove(id);
    }

    @Override
    public long usableSpace() {
        return -1;
    }

    @Override
    public RepositoryLock lock(String purpose) {
        throw new UnsupportedOperationException("TempDirRepository has no lock");
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
