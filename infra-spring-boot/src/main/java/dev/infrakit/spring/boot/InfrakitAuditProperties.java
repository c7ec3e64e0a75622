package dev.infrakit.spring.boot;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code infrakit.audit.*}: the {@code AuditSink} bean, loaded through {@code Providers} (the sink named by {@code sink}). Every other key the sink's provider reads (rotation sizes, redaction, checkpoints) passes through unchanged. Values are checked by Infrakit, whose errors name the key.
 */
@ConfigurationProperties(prefix = "infrakit.audit")
public class InfrakitAuditProperties {

    /** Whether to create the sink: true with no sink named requires one provider on the class path; false turns it off. */
    private Boolean enabled;

    /** The sink: jsonl (tamper-evident files), slf4j, or another provider's name. */
    private String sink;

    /** Directory of the jsonl audit files. */
    private String dir;

    /** The jsonl chain key, base64. Secret: prefer key-file. */
    private String key;

    /** A file holding the jsonl chain key. */
    private String keyFile;

    /** durable (a record is on disk when recorded) or async. */
    private String durability;

    /** With async durability, what a full queue does: block or reject. */
    private String queueFull;

    /** With async durability, records queued at most. */
    private Integer queueSize;

    /** With async durability, the longest time between syncs, e.g. 200ms. */
    private String syncInterval;

    /** Created by Spring. */
    public InfrakitAuditProperties() {
    }

    /** @return whether to create the sink: true with no sink named requires one provider on the class path; false turns it off */
    public Boolean getEnabled() {
        return enabled;
    }

    /** @param enabled whether to create the sink: true with no sink named requires one provider on the class path; false turns it off */
    public void setEnabled(Boolean enabled) {
        this.enabled = enabled;
    }

    /** @return the sink: jsonl (tamper-evident files), slf4j, or another provider's name */
    public String getSink() {
        return sink;
    }

    /** @param sink the sink: jsonl (tamper-evident files), slf4j, or another provider's name */
    public void setSink(String sink) {
        this.sink = sink;
    }

    /** @return directory of the jsonl audit files */
    public String getDir() {
        return dir;
    }

    /** @param dir directory of the jsonl audit files */
    public void setDir(String dir) {
        this.dir = dir;
    }

    /** @return the jsonl chain key, base64 */
    public String getKey() {
        return key;
    }

    /** @param key the jsonl chain key, base64 */
    public void setKey(String key) {
        this.key = key;
    }

    /** @return a file holding the jsonl chain key */
    public String getKeyFile() {
        return keyFile;
    }

    /** @param keyFile a file holding the jsonl chain key */
    public void setKeyFile(String keyFile) {
        this.keyFile = keyFile;
    }

    /** @return durable (a record is on disk when recorded) or async */
    public String getDurability() {
        return durability;
    }

    /** @param durability durable (a record is on disk when recorded) or async */
    public void setDurability(String durability) {
        this.durability = durability;
    }

    /** @return with async durability, what a full queue does: block or reject */
    public String getQueueFull() {
        return queueFull;
    }

    /** @param queueFull with async durability, what a full queue does: block or reject */
    public void setQueueFull(String queueFull) {
        this.queueFull = queueFull;
    }

    /** @return with async durability, records queued at most */
    public Integer getQueueSize() {
        return queueSize;
    }

    /** @param queueSize with async durability, records queued at most */
    public void setQueueSize(Integer queueSize) {
        this.queueSize = queueSize;
    }

    /** @return with async durability, the longest time between syncs, e.g */
    public String getSyncInterval() {
        return syncInterval;
    }

    /** @param syncInterval with async durability, the longest time between syncs, e.g */
    public void setSyncInterval(String syncInterval) {
        this.syncInterval = syncInterval;
    }
}
